import type { LogRecord, Resource, Scope } from '../span.ts';
import { logIdsProblem } from './ids.ts';
import {
  Bad,
  Reject,
  isObject,
  jsonAnyValue,
  jsonAttributes,
  jsonId,
  jsonNanosToMs,
  jsonString,
  ok,
  type JsonObject,
} from './json-values.ts';
import { walkJson } from './json-walk.ts';
import { logRecord } from './log-record.ts';
import { DecodeCollector, type DecodeResult } from './types.ts';

/** Decodes a parsed OTLP/JSON `ExportLogsServiceRequest` (see `json-values.ts` for the rules). */
export function decodeLogsJson(root: JsonObject): DecodeResult<LogRecord> {
  const out = new DecodeCollector<LogRecord>();
  const drop = (reason: string): void => out.dropAttribute(reason);
  walkJson(
    root,
    { resource: 'resourceLogs', scope: 'scopeLogs', items: 'logRecords' },
    (item, resource, scope, path) => {
      try {
        out.items.push(jsonLogRecord(item, path, drop, resource, scope));
      } catch (err) {
        if (!(err instanceof Reject)) throw err;
        out.reject(`${path}: ${err.message}`);
      }
    },
    drop,
  );
  return out.result();
}

function jsonLogRecord(
  v: unknown,
  path: string,
  drop: (r: string) => void,
  resource: Resource,
  scope: Scope,
): LogRecord {
  if (!isObject(v)) throw new Reject('log record must be an object');
  const traceId = ok(jsonId(v['traceId'], 'traceId'));
  const spanId = ok(jsonId(v['spanId'], 'spanId'));
  const time = ok(jsonNanosToMs(v['timeUnixNano'], 'timeUnixNano'));
  const observed = ok(jsonNanosToMs(v['observedTimeUnixNano'], 'observedTimeUnixNano'));
  const eventName = ok(jsonString(v['eventName'], 'eventName'));
  const problem = logIdsProblem(traceId, spanId);
  if (problem) throw new Reject(problem);
  let body = jsonAnyValue(v['body']);
  if (body instanceof Bad) {
    // The body is the content itself, but the record's ids and attributes are still useful.
    drop(`${path}: body dropped: ${body.reason}`);
    body = null;
  }
  const attributes = jsonAttributes(v['attributes'], path, drop);
  return logRecord(traceId, spanId, time || observed, eventName, body, attributes, resource, scope);
}
