import type { Attributes, Resource, Scope, Span, SpanEvent } from '../span.ts';
import { spanIdsProblem } from './ids.ts';
import {
  newAttributes,
  lazyValue,
  readKeyLazily,
  readKeyValue,
  readResource,
  readScope,
  readValueAt,
} from './proto-values.ts';
import {
  I64,
  LEN,
  VARINT,
  checkEnd,
  readFixed64Ms,
  readHex,
  readString,
  skipField,
  subEnd,
  tag,
  type Reader,
} from './proto-wire.ts';
import { DecodeCollector, type DecodeResult, type SpanSelection } from './types.ts';
import { TraceLayoutBuilder, type TraceLayout } from './proto-layout.ts';

// Field numbers from opentelemetry/proto/{collector/trace/v1/trace_service,trace/v1/trace}.proto.
const REQUEST_RESOURCE_SPANS = tag(1, LEN);
const RS_RESOURCE = tag(1, LEN);
const RS_SCOPE_SPANS = tag(2, LEN);
const SS_SCOPE = tag(1, LEN);
const SS_SPANS = tag(2, LEN);
const SPAN_TRACE_ID = tag(1, LEN);
const SPAN_SPAN_ID = tag(2, LEN);
const SPAN_PARENT_SPAN_ID = tag(4, LEN);
const SPAN_NAME = tag(5, LEN);
const SPAN_KIND = tag(6, VARINT);
const SPAN_START = tag(7, I64);
const SPAN_END = tag(8, I64);
const SPAN_ATTRIBUTES = tag(9, LEN);
const SPAN_EVENTS = tag(11, LEN);
const SPAN_STATUS = tag(15, LEN);
const EVENT_TIME = tag(1, I64);
const EVENT_NAME = tag(2, LEN);
const EVENT_ATTRIBUTES = tag(3, LEN);
const STATUS_MESSAGE = tag(2, LEN);
const STATUS_CODE = tag(3, VARINT);

/** Attributes of the span being read, values not yet decoded (reused: decoding is synchronous). */
const LAZY_KEYS: string[] = [];
const LAZY_STARTS: number[] = [];
const LAZY_ENDS: number[] = [];
/** The events of a span without any (frozen: shared by most spans). */
const NO_EVENTS = Object.freeze([]) as unknown as SpanEvent[];
/** The attributes of a span that kept none (frozen: shared by many spans). */
const NO_ATTRIBUTES: Attributes = Object.freeze(newAttributes());

/**
 * Decodes an `ExportTraceServiceRequest` straight into `Span`s in one pass over the bytes (no
 * intermediate message objects, no `Long`s). Fields Assay does not use (trace_state, flags,
 * links, dropped counts, schema_url) are skipped. Throws on bytes that are not valid protobuf.
 * With a `selection`, attribute values a span does not need are skipped, not decoded (the bytes
 * are still walked, so malformed protobuf is refused all the same).
 */
export function decodeTracesProto(
  r: Reader,
  selection?: SpanSelection,
): DecodeResult<Span> & { layout: TraceLayout } {
  const out = new DecodeCollector<Span>();
  const layout = new TraceLayoutBuilder();
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t === REQUEST_RESOURCE_SPANS) readResourceSpans(r, subEnd(r), out, selection, layout);
    else skipField(r, t);
  }
  return { ...out.result(), layout };
}

function readResourceSpans(
  r: Reader,
  end: number,
  out: DecodeCollector<Span>,
  selection: SpanSelection | undefined,
  layout: TraceLayoutBuilder,
): void {
  // Created up front and filled in place: spans share it even if `resource` comes last.
  const resource: Resource = { attributes: newAttributes() };
  layout.openResource();
  while (r.pos < end) {
    const start = r.pos;
    const t = r.uint32();
    if (t === RS_SCOPE_SPANS) readScopeSpans(r, subEnd(r), resource, out, selection, layout);
    else {
      if (t === RS_RESOURCE) readResource(r, subEnd(r), resource.attributes);
      else skipField(r, t);
      layout.resourceField(start, r.pos);
    }
  }
  checkEnd(r, end, 'ResourceSpans');
}

function readScopeSpans(
  r: Reader,
  end: number,
  resource: Resource,
  out: DecodeCollector<Span>,
  selection: SpanSelection | undefined,
  layout: TraceLayoutBuilder,
): void {
  const scope: Scope = { name: '', version: '' };
  layout.openScope();
  while (r.pos < end) {
    const start = r.pos;
    const t = r.uint32();
    if (t === SS_SPANS) {
      if (readSpan(r, subEnd(r), resource, scope, out, selection)) layout.span(start, r.pos);
    } else {
      if (t === SS_SCOPE) readScope(r, subEnd(r), scope);
      else skipField(r, t);
      layout.scopeField(start, r.pos);
    }
  }
  checkEnd(r, end, 'ScopeSpans');
}

function readSpan(
  r: Reader,
  end: number,
  resource: Resource,
  scope: Scope,
  out: DecodeCollector<Span>,
  selection: SpanSelection | undefined,
): boolean {
  let lazy = 0;
  let marked = false;
  const span: Span = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    startTimeMs: 0,
    endTimeMs: 0,
    // Selective decoding: most spans keep no attribute at all and share one empty object.
    attributes: selection ? NO_ATTRIBUTES : newAttributes(),
    events: NO_EVENTS,
    status: { code: 0, message: '' },
    resource,
    scope,
  };
  while (r.pos < end) {
    const t = r.uint32();
    switch (t) {
      case SPAN_TRACE_ID:
        span.traceId = readHex(r);
        break;
      case SPAN_SPAN_ID:
        span.spanId = readHex(r);
        break;
      case SPAN_PARENT_SPAN_ID:
        span.parentSpanId = readHex(r);
        break;
      case SPAN_NAME:
        span.name = readString(r);
        break;
      case SPAN_KIND:
        span.kind = r.int32();
        break;
      case SPAN_START:
        span.startTimeMs = readFixed64Ms(r);
        break;
      case SPAN_END:
        span.endTimeMs = readFixed64Ms(r);
        break;
      case SPAN_ATTRIBUTES:
        if (!selection) readKeyValue(r, subEnd(r), span.attributes);
        else {
          const key = readKeyLazily(r, subEnd(r));
          if (selection.marks.has(key)) marked = true;
          LAZY_KEYS[lazy] = key;
          LAZY_STARTS[lazy] = lazyValue.start;
          LAZY_ENDS[lazy++] = lazyValue.end;
        }
        break;
      case SPAN_EVENTS:
        if (span.events === NO_EVENTS) span.events = [];
        span.events.push(readEvent(r, subEnd(r)));
        break;
      case SPAN_STATUS:
        readStatus(r, subEnd(r), span.status);
        break;
      default:
        skipField(r, t);
    }
  }
  checkEnd(r, end, 'Span');
  for (let i = 0; i < lazy; i++) {
    const key = LAZY_KEYS[i] as string;
    if (marked || selection?.keeps.has(key)) {
      if (span.attributes === NO_ATTRIBUTES) span.attributes = newAttributes();
      span.attributes[key] = readValueAt(r, LAZY_STARTS[i] as number, LAZY_ENDS[i] as number);
    }
  }
  // A span with a huge attribute count must not leave the scratch arrays that large.
  if (lazy > 1024) LAZY_KEYS.length = LAZY_STARTS.length = LAZY_ENDS.length = 0;
  const problem = spanIdsProblem(span.traceId, span.spanId, span.parentSpanId);
  if (problem) {
    out.reject(`span ${JSON.stringify(span.name)}: ${problem}`);
    return false;
  }
  out.items.push(span);
  return true;
}

function readEvent(r: Reader, end: number): SpanEvent {
  let name = '';
  let timeMs = 0;
  const attributes: Attributes = newAttributes();
  while (r.pos < end) {
    const t = r.uint32();
    if (t === EVENT_TIME) timeMs = readFixed64Ms(r);
    else if (t === EVENT_NAME) name = readString(r);
    else if (t === EVENT_ATTRIBUTES) readKeyValue(r, subEnd(r), attributes);
    else skipField(r, t);
  }
  checkEnd(r, end, 'Span.Event');
  return { name, timeMs, attributes };
}

function readStatus(r: Reader, end: number, into: Span['status']): void {
  while (r.pos < end) {
    const t = r.uint32();
    if (t === STATUS_MESSAGE) into.message = readString(r);
    else if (t === STATUS_CODE) into.code = r.int32();
    else skipField(r, t);
  }
  checkEnd(r, end, 'Status');
}
