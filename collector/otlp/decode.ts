import type { LogRecord, Span } from '../span.ts';
import { OtlpDecodeError } from './decode-error.ts';
import { decodeLogsJson } from './json-logs.ts';
import { decodeTracesJson } from './json-traces.ts';
import { parseJsonBody } from './json-walk.ts';
import { decodeLogsProto } from './proto-logs.ts';
import { decodeTracesProto } from './proto-traces.ts';
import { openReader } from './proto-wire.ts';
import type { TraceLayout } from './proto-layout.ts';
import type { DecodeResult, OtlpEncoding, SpanSelection } from './types.ts';

/** Any failure inside the protobuf walk (protobufjs `RangeError`s, invalid wire types) is bad input. */
function protobuf<T>(
  body: Uint8Array,
  decode: (r: ReturnType<typeof openReader>) => DecodeResult<T>,
): DecodeResult<T> {
  try {
    return decode(openReader(body));
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw err;
    throw new OtlpDecodeError(`invalid protobuf: ${(err as Error).message}`, { cause: err });
  }
}

function json<T>(
  body: Uint8Array,
  decode: (root: ReturnType<typeof parseJsonBody>) => DecodeResult<T>,
): DecodeResult<T> {
  if (body.length === 0) return { items: [], rejected: 0, errors: [], droppedAttributes: 0 };
  try {
    return decode(parseJsonBody(body));
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw err;
    throw new OtlpDecodeError(`invalid OTLP/JSON: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Decodes an OTLP `ExportTraceServiceRequest` body (already decompressed). Structurally invalid
 * spans are skipped and counted in `rejected`; a body that cannot be decoded at all throws
 * {@link OtlpDecodeError}. An empty body is an empty request. A `selection` lets the protobuf
 * decoder skip attribute values nobody reads (the JSON decoder reads everything regardless).
 * Protobuf results carry the spans' byte layout, so a subset can be written out again.
 */
export function decodeTraces(
  body: Uint8Array,
  encoding: OtlpEncoding,
  selection?: SpanSelection,
): DecodeResult<Span> & { layout?: TraceLayout } {
  return encoding === 'protobuf'
    ? protobuf(body, (r) => decodeTracesProto(r, selection))
    : json(body, decodeTracesJson);
}

/** Decodes an OTLP `ExportLogsServiceRequest` body; same contract as {@link decodeTraces}. */
export function decodeLogs(body: Uint8Array, encoding: OtlpEncoding): DecodeResult<LogRecord> {
  return encoding === 'protobuf' ? protobuf(body, decodeLogsProto) : json(body, decodeLogsJson);
}
