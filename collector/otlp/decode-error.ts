/**
 * A request body that cannot be decoded at all (truncated protobuf, invalid JSON, wrong
 * top-level shape). The receiver answers it with 400 and this message, which is meant for the
 * person who wrote the exporter: it says what was wrong and where.
 */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
