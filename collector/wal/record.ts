import { crc32 } from 'node:zlib';

/**
 * The on-disk format of the write-ahead log. A segment file starts with {@link SEGMENT_MAGIC};
 * then records follow back to back, each
 *
 * ```
 * u32 LE  payload length
 * u32 LE  CRC-32 (IEEE, zlib's) of the type byte and the payload
 * u8      record type
 * ...     payload
 * ```
 *
 * A crash can leave the last record of the last segment half written (a torn tail): replay
 * stops at the first record whose header or bytes are short or whose checksum does not match,
 * and keeps everything before it.
 */
export const SEGMENT_MAGIC = Buffer.from('ASSAYWL1', 'latin1');
export const RECORD_HEADER_BYTES = 9;
/** Larger lengths are garbage (a record is one request body, capped far below this). */
export const MAX_RECORD_BYTES = 1024 ** 3;

/** Record types. Only one so far: an OTLP request as received. */
export const RecordType = { OTLP_REQUEST: 1 } as const;

export interface WalRecord {
  type: number;
  payload: Buffer;
}

/**
 * The header of a record whose payload is the concatenation of `parts` (written after it as
 * they are: the body is never copied).
 */
export function recordHeader(type: number, parts: readonly Uint8Array[]): Buffer {
  const head = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  let length = 0;
  head.writeUInt8(type, 8);
  let crc = crc32(head.subarray(8, 9));
  for (const p of parts) {
    length += p.length;
    crc = crc32(p, crc);
  }
  head.writeUInt32LE(length, 0);
  head.writeUInt32LE(crc >>> 0, 4);
  return head;
}

export interface ParsedSegment {
  records: WalRecord[];
  /** Bytes after the last good record (0 for a cleanly written segment). */
  tornBytes: number;
  /** Why reading stopped early: `short` (torn tail), `checksum`, `length`, `magic`; undefined when clean. */
  damage?: 'short' | 'checksum' | 'length' | 'magic';
}

/** Reads every intact record of a segment, stopping at the first damaged one. */
export function parseSegment(data: Buffer): ParsedSegment {
  if (data.length === 0) return { records: [], tornBytes: 0 };
  if (data.length < SEGMENT_MAGIC.length || !data.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC)) {
    return {
      records: [],
      tornBytes: data.length,
      damage: data.length < SEGMENT_MAGIC.length ? 'short' : 'magic',
    };
  }
  const records: WalRecord[] = [];
  let at = SEGMENT_MAGIC.length;
  const stop = (damage: ParsedSegment['damage']): ParsedSegment => ({
    records,
    tornBytes: data.length - at,
    damage,
  });
  while (at < data.length) {
    if (data.length - at < RECORD_HEADER_BYTES) return stop('short');
    const length = data.readUInt32LE(at);
    const crc = data.readUInt32LE(at + 4);
    if (length > MAX_RECORD_BYTES) return stop('length');
    const end = at + RECORD_HEADER_BYTES + length;
    if (end > data.length) return stop('short');
    const body = data.subarray(at + 8, end);
    if (crc32(body) >>> 0 !== crc) return stop('checksum');
    records.push({ type: data.readUInt8(at + 8), payload: data.subarray(at + RECORD_HEADER_BYTES, end) });
    at = end;
  }
  return { records, tornBytes: 0 };
}
