import { describe, expect, it } from 'vitest';
import { rowBinary } from './row-binary.ts';

interface Row {
  ts: number;
  s: string;
  n: number;
  b: number;
  f: number;
  nf: number | null;
}

const codec = rowBinary<Row>([
  ['ts', 'DateTime64(3)'],
  ['s', 'String'],
  ['n', 'UInt32'],
  ['b', 'UInt8'],
  ['f', 'Float64'],
  ['nf', 'Nullable(Float64)'],
]);

const row = (over: Partial<Row> = {}): Row => ({
  ts: 1_732_000_000_123,
  s: 'ok',
  n: 1,
  b: 0,
  f: 1.5,
  nf: null,
  ...over,
});

describe('RowBinary codec', () => {
  it('round-trips text of every shape: empty, ASCII, multi-byte, emoji, long, with quotes and newlines', () => {
    const texts = [
      '',
      'openai',
      'héllo "quoted"\n\tnext line\\',
      '日本語の質問ですか？',
      'emoji 🙂 and a lone half \ud800 of a pair',
      'x'.repeat(127),
      'y'.repeat(128),
      `${'refund '.repeat(3000)}ü`,
    ];
    const rows = texts.map((s, i) => row({ s, n: i }));
    const back = codec.decode(codec.encode(rows));
    // A lone surrogate cannot be UTF-8: it is written as U+FFFD, as Buffer.from would.
    expect(back.map((r) => r.s)).toEqual(texts.map((t) => Buffer.from(t, 'utf8').toString('utf8')));
    expect(back.map((r) => r.n)).toEqual(texts.map((_, i) => i));
  });

  it('writes the exact bytes ClickHouse expects for a string: LEB128 length, then UTF-8', () => {
    const one = rowBinary<{ s: string }>([['s', 'String']]);
    expect([...one.encode([{ s: 'é' }])]).toEqual([2, 0xc3, 0xa9]);
    const long = one.encode([{ s: 'a'.repeat(300) }]);
    expect([...long.subarray(0, 2)]).toEqual([0xac, 0x02]);
    expect(long.length).toBe(302);
  });

  it('keeps numbers: millisecond timestamps past 2^32, nulls, fractions', () => {
    const rows = [
      row({ ts: 0, nf: 0 }),
      row({ ts: 4_102_444_800_000, nf: 0.000123, f: -2.25, n: 4_000_000_000, b: 1 }),
    ];
    expect(codec.decode(codec.encode(rows))).toEqual(rows);
  });

  it('writes Nullable(UInt32) as a null flag then the value', () => {
    const one = rowBinary<{ n: number | null }>([['n', 'Nullable(UInt32)']]);
    expect([...one.encode([{ n: null }, { n: 256 }])]).toEqual([1, 0, 0, 1, 0, 0]);
    expect(one.decode(one.encode([{ n: null }, { n: 4096 }]))).toEqual([{ n: null }, { n: 4096 }]);
  });

  it('clamps unsigned integers instead of failing the batch on one odd value', () => {
    const back = codec.decode(codec.encode([row({ n: -5, b: 300 }), row({ n: 2 ** 40, b: Number.NaN })]));
    expect(back.map((r) => [r.n, r.b])).toEqual([
      [0, 255],
      [2 ** 32 - 1, 0],
    ]);
  });

  it('refuses a truncated payload with a reason', () => {
    const bytes = codec.encode([row({ s: 'a longer string' })]);
    expect(() => codec.decode(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
  });
});
