import type { AttrValue, LogRecord, Resource, Scope } from '../span.ts';
import { logIdsProblem } from './ids.ts';
import { logRecord } from './log-record.ts';
import { newAttributes, readAnyValue, readKeyValue, readResource, readScope } from './proto-values.ts';
import {
  I64,
  LEN,
  checkEnd,
  readFixed64Ms,
  readHex,
  readString,
  skipField,
  subEnd,
  tag,
  type Reader,
} from './proto-wire.ts';
import { DecodeCollector, type DecodeResult } from './types.ts';

// Field numbers from opentelemetry/proto/{collector/logs/v1/logs_service,logs/v1/logs}.proto.
const REQUEST_RESOURCE_LOGS = tag(1, LEN);
const RL_RESOURCE = tag(1, LEN);
const RL_SCOPE_LOGS = tag(2, LEN);
const SL_SCOPE = tag(1, LEN);
const SL_LOG_RECORDS = tag(2, LEN);
const LR_TIME = tag(1, I64);
const LR_BODY = tag(5, LEN);
const LR_ATTRIBUTES = tag(6, LEN);
const LR_TRACE_ID = tag(9, LEN);
const LR_SPAN_ID = tag(10, LEN);
const LR_OBSERVED_TIME = tag(11, I64);
const LR_EVENT_NAME = tag(12, LEN);

/** Decodes an `ExportLogsServiceRequest` into `LogRecord`s in one pass (see `decodeTracesProto`). */
export function decodeLogsProto(r: Reader): DecodeResult<LogRecord> {
  const out = new DecodeCollector<LogRecord>();
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t === REQUEST_RESOURCE_LOGS) readResourceLogs(r, subEnd(r), out);
    else skipField(r, t);
  }
  return out.result();
}

function readResourceLogs(r: Reader, end: number, out: DecodeCollector<LogRecord>): void {
  const resource: Resource = { attributes: newAttributes() };
  while (r.pos < end) {
    const t = r.uint32();
    if (t === RL_RESOURCE) readResource(r, subEnd(r), resource.attributes);
    else if (t === RL_SCOPE_LOGS) readScopeLogs(r, subEnd(r), resource, out);
    else skipField(r, t);
  }
  checkEnd(r, end, 'ResourceLogs');
}

function readScopeLogs(r: Reader, end: number, resource: Resource, out: DecodeCollector<LogRecord>): void {
  const scope: Scope = { name: '', version: '' };
  while (r.pos < end) {
    const t = r.uint32();
    if (t === SL_SCOPE) readScope(r, subEnd(r), scope);
    else if (t === SL_LOG_RECORDS) readLogRecord(r, subEnd(r), resource, scope, out);
    else skipField(r, t);
  }
  checkEnd(r, end, 'ScopeLogs');
}

function readLogRecord(
  r: Reader,
  end: number,
  resource: Resource,
  scope: Scope,
  out: DecodeCollector<LogRecord>,
): void {
  let traceId = '';
  let spanId = '';
  let time = 0;
  let observed = 0;
  let eventName = '';
  let body: AttrValue = null;
  const attributes = newAttributes();
  while (r.pos < end) {
    const t = r.uint32();
    switch (t) {
      case LR_TIME:
        time = readFixed64Ms(r);
        break;
      case LR_OBSERVED_TIME:
        observed = readFixed64Ms(r);
        break;
      case LR_BODY:
        body = readAnyValue(r, subEnd(r), 0);
        break;
      case LR_ATTRIBUTES:
        readKeyValue(r, subEnd(r), attributes);
        break;
      case LR_TRACE_ID:
        traceId = readHex(r);
        break;
      case LR_SPAN_ID:
        spanId = readHex(r);
        break;
      case LR_EVENT_NAME:
        eventName = readString(r);
        break;
      default:
        skipField(r, t);
    }
  }
  checkEnd(r, end, 'LogRecord');
  const problem = logIdsProblem(traceId, spanId);
  if (problem) {
    out.reject(`log record ${JSON.stringify(eventName)}: ${problem}`);
    return;
  }
  out.items.push(logRecord(traceId, spanId, time || observed, eventName, body, attributes, resource, scope));
}
