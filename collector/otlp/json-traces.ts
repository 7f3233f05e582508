import type { Span, SpanEvent } from '../span.ts';
import { spanIdsProblem } from './ids.ts';
import { walkJson } from './json-walk.ts';
import {
  Reject,
  isObject,
  jsonAttributes,
  jsonEnum,
  jsonId,
  jsonNanosToMs,
  jsonString,
  ok,
  type JsonObject,
} from './json-values.ts';
import { DecodeCollector, type DecodeResult } from './types.ts';

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

/** Decodes a parsed OTLP/JSON `ExportTraceServiceRequest` (see `json-values.ts` for the rules). */
export function decodeTracesJson(root: JsonObject): DecodeResult<Span> {
  const out = new DecodeCollector<Span>();
  const drop = (reason: string): void => out.dropAttribute(reason);
  walkJson(
    root,
    { resource: 'resourceSpans', scope: 'scopeSpans', items: 'spans' },
    (item, resource, scope, path) => {
      try {
        out.items.push(jsonSpan(item, path, drop, resource, scope));
      } catch (err) {
        if (!(err instanceof Reject)) throw err;
        out.reject(`${path}: ${err.message}`);
      }
    },
    drop,
  );
  return out.result();
}

function jsonSpan(
  v: unknown,
  path: string,
  drop: (r: string) => void,
  resource: Span['resource'],
  scope: Span['scope'],
): Span {
  if (!isObject(v)) throw new Reject('span must be an object');
  const span: Span = {
    traceId: ok(jsonId(v['traceId'], 'traceId')),
    spanId: ok(jsonId(v['spanId'], 'spanId')),
    parentSpanId: ok(jsonId(v['parentSpanId'], 'parentSpanId')),
    name: ok(jsonString(v['name'], 'name')),
    kind: ok(jsonEnum(v['kind'], 'kind', SPAN_KINDS)),
    startTimeMs: ok(jsonNanosToMs(v['startTimeUnixNano'], 'startTimeUnixNano')),
    endTimeMs: ok(jsonNanosToMs(v['endTimeUnixNano'], 'endTimeUnixNano')),
    attributes: jsonAttributes(v['attributes'], path, drop),
    events: jsonEvents(v['events'], path, drop),
    status: jsonStatus(v['status']),
    resource,
    scope,
  };
  const problem = spanIdsProblem(span.traceId, span.spanId, span.parentSpanId);
  if (problem) throw new Reject(problem);
  return span;
}

function jsonEvents(v: unknown, path: string, drop: (r: string) => void): SpanEvent[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Reject('events must be an array');
  return v.map((e, i) => {
    if (!isObject(e)) throw new Reject(`events[${i}] must be an object`);
    return {
      name: ok(jsonString(e['name'], `events[${i}].name`)),
      timeMs: ok(jsonNanosToMs(e['timeUnixNano'], `events[${i}].timeUnixNano`)),
      attributes: jsonAttributes(e['attributes'], `${path}.events[${i}]`, drop),
    };
  });
}

function jsonStatus(v: unknown): Span['status'] {
  if (v === undefined || v === null) return { code: 0, message: '' };
  if (!isObject(v)) throw new Reject('status must be an object');
  return {
    code: ok(jsonEnum(v['code'], 'status.code', STATUS_CODES)),
    message: ok(jsonString(v['message'], 'status.message')),
  };
}
