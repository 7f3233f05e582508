/**
 * Id checks shared by both decoders (ids arrive here as lower-case hex). OTLP: a span's
 * trace_id is 16 bytes and its span_id 8 bytes, all-zero ids are invalid, and parent_span_id is
 * empty for a root span. Log records may carry no trace context at all.
 */
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

function lengthProblem(field: string, hex: string, bytes: number): string | undefined {
  if (hex.length === bytes * 2) return undefined;
  if (hex.length === 0) return `${field} is missing`;
  // Odd lengths only come from OTLP/JSON hex strings.
  const got = hex.length % 2 === 0 ? `${hex.length / 2} bytes` : `${hex.length} hex characters`;
  return `${field} must be ${bytes} bytes, got ${got}`;
}

/** Why a span's ids make it unusable, or undefined when they are fine. */
export function spanIdsProblem(traceId: string, spanId: string, parentSpanId: string): string | undefined {
  const problem =
    lengthProblem('trace_id', traceId, 16) ??
    lengthProblem('span_id', spanId, 8) ??
    (parentSpanId === '' ? undefined : lengthProblem('parent_span_id', parentSpanId, 8));
  if (problem) return problem;
  if (traceId === ZERO_TRACE_ID) return 'trace_id is all zeros';
  if (spanId === ZERO_SPAN_ID) return 'span_id is all zeros';
  return undefined;
}

/**
 * A log record's trace context, normalised: all-zero or absent ids mean "not tied to a trace"
 * (''), anything else must have the right length.
 */
export function logIdsProblem(traceId: string, spanId: string): string | undefined {
  if (traceId !== '' && traceId !== ZERO_TRACE_ID) {
    const p = lengthProblem('trace_id', traceId, 16);
    if (p) return p;
  }
  if (spanId !== '' && spanId !== ZERO_SPAN_ID) return lengthProblem('span_id', spanId, 8);
  return undefined;
}

/** '' for an all-zero id: OTLP's way of saying "no trace context". */
export function orEmpty(id: string): string {
  return id === ZERO_TRACE_ID || id === ZERO_SPAN_ID ? '' : id;
}
