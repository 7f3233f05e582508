import protobuf from 'protobufjs';
import { OtlpDecodeError } from './decode-error.ts';
import { cachedUtf8 } from './string-cache.ts';

/**
 * Low-level helpers over the protobufjs `Reader` for the hand-written OTLP decoders. They read
 * ids straight to hex and fixed64/int64 straight to numbers, so the hot path never creates a
 * `Long` (and never touches protobufjs's process-wide Long configuration).
 */
export type Reader = protobuf.Reader & { buf: Buffer };

/** Wire types (protobuf encoding spec). */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

/** The tag varint of a field: `field_number << 3 | wire_type`. */
export const tag = (field: number, wire: number): number => (field << 3) | wire;

const TWO_32 = 4294967296;

/** A Reader over the body; a Buffer view without copying when given a plain Uint8Array. */
export function openReader(body: Uint8Array): Reader {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return protobuf.Reader.create(buf) as Reader;
}

function outOfRange(r: Reader, length: number): RangeError {
  return new RangeError(`index out of range: ${r.pos} + ${length} > ${r.len}`);
}

/** Reads a length prefix and returns where that submessage ends, checked against the body. */
export function subEnd(r: Reader): number {
  const length = r.uint32();
  const end = r.pos + length;
  if (end > r.len) throw outOfRange(r, length);
  return end;
}

/** After a submessage loop: a field that ran past the submessage's own length is corrupt data. */
export function checkEnd(r: Reader, end: number, what: string): void {
  if (r.pos !== end)
    throw new OtlpDecodeError(`invalid protobuf: ${what} overruns its length at offset ${r.pos}`);
}

/** Skips a field we do not use; tag 0 is never valid and would otherwise loop on garbage. */
export function skipField(r: Reader, t: number): void {
  if (t >>> 3 === 0) throw new OtlpDecodeError(`invalid protobuf: field number 0 at offset ${r.pos}`);
  r.skipType(t & 7);
}

/** A `string` field, decoded through the short-string cache. */
export function readString(r: Reader): string {
  const end = subEnd(r);
  const start = r.pos;
  r.pos = end;
  return cachedUtf8(r.buf, start, end);
}

/** A `bytes` field as lower-case hex ('' when empty), without an intermediate Buffer. */
export function readHex(r: Reader): string {
  const end = subEnd(r);
  const start = r.pos;
  r.pos = end;
  return end === start ? '' : r.buf.toString('hex', start, end);
}

/** A `bytes` field as standard base64 (the `collector/span.ts` representation of bytes values). */
export function readBase64(r: Reader): string {
  const end = subEnd(r);
  const start = r.pos;
  r.pos = end;
  return r.buf.toString('base64', start, end);
}

/** A fixed64 nanosecond timestamp as fractional milliseconds (exact to ~256 ns today). */
export function readFixed64Ms(r: Reader): number {
  const lo = r.fixed32();
  const hi = r.fixed32();
  return (hi * TWO_32 + lo) / 1e6;
}

function nextByte(r: Reader): number {
  if (r.pos >= r.len) throw outOfRange(r, 1);
  return r.buf[r.pos++] as number;
}

/**
 * A varint int64 as a JS number (two's complement, exact up to 2^53), the same bit handling
 * as protobufjs's `readLongVarint` but without building a `LongBits`/`Long`.
 */
export function readInt64(r: Reader): number {
  let lo = 0;
  let b = 0;
  for (let i = 0; i < 4; i++) {
    b = nextByte(r);
    lo = (lo | ((b & 127) << (i * 7))) >>> 0;
    if (b < 128) return lo;
  }
  b = nextByte(r);
  lo = (lo | ((b & 127) << 28)) >>> 0;
  let hi = (b & 127) >> 4;
  if (b < 128) return hi * TWO_32 + lo;
  for (let i = 0; i < 5; i++) {
    b = nextByte(r);
    hi = (hi | ((b & 127) << (i * 7 + 3))) >>> 0;
    if (b < 128) return (hi | 0) * TWO_32 + lo;
  }
  throw new OtlpDecodeError(`invalid protobuf: varint longer than 10 bytes at offset ${r.pos}`);
}
