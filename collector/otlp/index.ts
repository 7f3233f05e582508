export { decodeLogs, decodeTraces } from './decode.ts';
export { OtlpDecodeError } from './decode-error.ts';
export { sliceTraces, type TraceLayout } from './proto-layout.ts';
export { RpcCode, encodeExportResponse, encodeStatus, type PartialSuccess } from './responses.ts';
export {
  MAX_ERRORS,
  type DecodeResult,
  type OtlpEncoding,
  type OtlpSignal,
  type SpanSelection,
} from './types.ts';
