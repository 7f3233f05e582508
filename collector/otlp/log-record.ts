import type { AttrValue, LogRecord, Resource, Scope } from '../span.ts';
import { orEmpty } from './ids.ts';

/** Builds a `LogRecord` the same way for both encodings (ids normalised, event name fallback). */
export function logRecord(
  traceId: string,
  spanId: string,
  timeMs: number,
  eventName: string,
  body: AttrValue,
  attributes: LogRecord['attributes'],
  resource: Resource,
  scope: Scope,
): LogRecord {
  const fromAttr = attributes['event.name'];
  return {
    traceId: orEmpty(traceId),
    spanId: orEmpty(spanId),
    timeMs,
    eventName: eventName || (typeof fromAttr === 'string' ? fromAttr : ''),
    body,
    attributes,
    resource,
    scope,
  };
}
