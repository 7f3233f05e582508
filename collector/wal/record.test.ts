import { describe, expect, it } from 'vitest';
import { RECORD_HEADER_BYTES, SEGMENT_MAGIC, parseSegment, recordHeader } from './record.ts';

const record = (type: number, ...parts: string[]): Buffer => {
  const bufs = parts.map((p) => Buffer.from(p));
  return Buffer.concat([recordHeader(type, bufs), ...bufs]);
};

describe('WAL records', () => {
  it('reads back every record of a clean segment, the payload made of its parts', () => {
    const seg = Buffer.concat([SEGMENT_MAGIC, record(1, 'ab', 'cd'), record(2, ''), record(1, 'é')]);
    const parsed = parseSegment(seg);
    expect(parsed.damage).toBeUndefined();
    expect(parsed.records.map((r) => [r.type, r.payload.toString()])).toEqual([
      [1, 'abcd'],
      [2, ''],
      [1, 'é'],
    ]);
  });

  it('keeps what precedes a torn tail, whether the header or the payload was cut', () => {
    const whole = Buffer.concat([SEGMENT_MAGIC, record(1, 'first'), record(1, 'second')]);
    for (const cut of [1, RECORD_HEADER_BYTES - 1, RECORD_HEADER_BYTES + 3]) {
      const parsed = parseSegment(whole.subarray(0, whole.length - cut));
      expect(parsed.damage).toBe('short');
      expect(parsed.records.map((r) => r.payload.toString())).toEqual(['first']);
      expect(parsed.tornBytes).toBe(RECORD_HEADER_BYTES + 6 - cut);
    }
  });

  it('stops at a record whose bytes do not match its checksum', () => {
    const seg = Buffer.concat([SEGMENT_MAGIC, record(1, 'good'), record(1, 'flipped'), record(1, 'after')]);
    const at = SEGMENT_MAGIC.length + RECORD_HEADER_BYTES + 4 + RECORD_HEADER_BYTES + 2;
    seg[at] = (seg[at] as number) ^ 0xff;
    const parsed = parseSegment(seg);
    expect(parsed.damage).toBe('checksum');
    expect(parsed.records.map((r) => r.payload.toString())).toEqual(['good']);
  });

  it('refuses a file that is not a segment and treats an empty one as empty', () => {
    expect(parseSegment(Buffer.from('not a wal file at all')).damage).toBe('magic');
    expect(parseSegment(Buffer.alloc(0))).toEqual({ records: [], tornBytes: 0 });
  });
});
