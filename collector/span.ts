/**
 * The decoded, transport-neutral shape of OTLP data that the rest of the collector works on.
 * The protobuf and JSON decoders both produce it, so convention mappers never know which
 * encoding a span came in.
 */

/** An OTLP AnyValue as plain JS: int64 as number (exact up to 2^53), bytes as base64 text. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };

/** Attribute key → value. Objects are created with a null prototype (keys like `__proto__` are data). */
export type Attributes = Record<string, AttrValue>;

export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface Resource {
  attributes: Attributes;
}

export interface Scope {
  name: string;
  version: string;
}

export interface SpanEvent {
  name: string;
  /** Milliseconds since the epoch. */
  timeMs: number;
  attributes: Attributes;
}

export interface Span {
  /** 32 lower-case hex characters. */
  traceId: string;
  /** 16 lower-case hex characters. */
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** SpanKind value (0–5). */
  kind: number;
  /** Milliseconds since the epoch (fractional). */
  startTimeMs: number;
  endTimeMs: number;
  attributes: Attributes;
  events: SpanEvent[];
  status: { code: number; message: string };
  /** Shared by every span of one ResourceSpans. */
  resource: Resource;
  /** Shared by every span of one ScopeSpans. */
  scope: Scope;
}

export interface LogRecord {
  /** '' when the record is not tied to a trace. */
  traceId: string;
  spanId: string;
  /** Milliseconds since the epoch (time_unix_nano, else observed_time_unix_nano). */
  timeMs: number;
  /** The LogRecord `event_name` field (proto 12), else the `event.name` attribute, else ''. */
  eventName: string;
  body: AttrValue;
  attributes: Attributes;
  resource: Resource;
  scope: Scope;
}
