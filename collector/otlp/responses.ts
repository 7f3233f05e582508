import { otlpType } from './proto-root.ts';
import type { OtlpEncoding, OtlpSignal } from './types.ts';

/** Partial-success details of an export response (OTLP §"Partial Success"). */
export interface PartialSuccess {
  /** Spans or log records rejected; 0 with a message is a warning. */
  rejected: number;
  message: string;
}

/** `google.rpc.Code` values used in error bodies. */
export const RpcCode = {
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const RESPONSE = {
  traces: {
    type: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
    count: 'rejectedSpans',
  },
  logs: {
    type: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
    count: 'rejectedLogRecords',
  },
} as const;

/**
 * The body of a 200 answer: `ExportTraceServiceResponse` / `ExportLogsServiceResponse` in the
 * request's encoding, `partial_success` left unset on full success (as the spec asks). In JSON
 * the int64 count is a decimal string, per OTLP/JSON.
 */
export function encodeExportResponse(
  signal: OtlpSignal,
  encoding: OtlpEncoding,
  partial?: PartialSuccess,
): Buffer | string {
  const { type, count } = RESPONSE[signal];
  const partialSuccess = partial ? { [count]: partial.rejected, errorMessage: partial.message } : undefined;
  if (encoding === 'json') {
    const json = partialSuccess
      ? { partialSuccess: { ...partialSuccess, [count]: String(partial?.rejected) } }
      : {};
    return JSON.stringify(json);
  }
  const t = otlpType(type);
  return Buffer.from(t.encode(t.fromObject(partialSuccess ? { partialSuccess } : {})).finish());
}

/** An error body: `google.rpc.Status { code, message }` in the request's encoding. */
export function encodeStatus(encoding: OtlpEncoding, code: number, message: string): Buffer | string {
  if (encoding === 'json') return JSON.stringify({ code, message });
  const t = otlpType('google.rpc.Status');
  return Buffer.from(t.encode(t.fromObject({ code, message })).finish());
}
