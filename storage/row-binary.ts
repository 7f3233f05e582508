/**
 * ClickHouse's RowBinary format for the column types Assay writes in bulk: strings go out as a
 * length and their UTF-8 bytes, numbers as fixed-width little-endian — no escaping, no text
 * parsing on either side. For `llm_calls`, whose rows are mostly prompt and answer text, this
 * measured 2.5 µs per call against 9.4 µs for JSONEachRow (bench/RESULTS.md).
 *
 * Layout per https://clickhouse.com/docs/interfaces/formats/RowBinary: String = LEB128 length +
 * bytes (LowCardinality(String) is sent the same way), UInt8/UInt32 = LE integers, Float64 = LE
 * IEEE 754, Nullable(T) = one byte (1 = NULL) then T when not null, DateTime64(3) = Int64 ticks.
 */

import type { RowFormat } from './batch-insert.ts';

/** The column types {@link rowBinary} can write and read back. */
export type RowBinaryType =
  | 'String'
  | 'UInt8'
  | 'UInt32'
  | 'Float64'
  | 'Nullable(Float64)'
  | 'Nullable(UInt32)'
  /** Milliseconds since the epoch as Int64 ticks (DateTime64 with precision 3). */
  | 'DateTime64(3)';

/** One column: the row property (= column name) and its type. */
export type RowBinaryColumn<T> = readonly [name: keyof T & string, type: RowBinaryType];

const TWO_32 = 2 ** 32;
const UINT32_MAX = TWO_32 - 1;

/** A growable output buffer. */
class Out {
  buf: Buffer;
  n = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  room(bytes: number): Buffer {
    if (this.n + bytes > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + bytes));
      this.buf.copy(next, 0, 0, this.n);
      this.buf = next;
    }
    return this.buf;
  }

  string(s: string): void {
    const len = s.length;
    // Short ASCII strings (ids, enum-like labels) are copied char by char: no native call.
    if (len < 128) {
      const buf = this.room(len + 1);
      let n = this.n;
      buf[n++] = len;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[n++] = c;
      }
      if (i === len) {
        this.n = n;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    const buf = this.room(bytes + 5);
    let n = this.n;
    let x = bytes;
    while (x >= 0x80) {
      buf[n++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    buf[n++] = x;
    this.n = n + buf.write(s, n, bytes, 'utf8');
  }

  uint8(v: number): void {
    this.room(1)[this.n++] = v;
  }

  uint32(v: number): void {
    this.room(4).writeUInt32LE(v, this.n);
    this.n += 4;
  }

  float64(v: number): void {
    this.room(8).writeDoubleLE(v, this.n);
    this.n += 8;
  }

  int64(v: number): void {
    const buf = this.room(8);
    buf.writeInt32LE(Math.floor(v / TWO_32), this.n + 4);
    buf.writeUInt32LE(((v % TWO_32) + TWO_32) % TWO_32, this.n);
    this.n += 8;
  }
}

/** Reads back what {@link Out} wrote; throws on truncated input. */
class In {
  n = 0;

  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.n >= this.buf.length;
  }

  need(bytes: number): number {
    if (this.n + bytes > this.buf.length) throw new RangeError('RowBinary payload is truncated');
    const at = this.n;
    this.n += bytes;
    return at;
  }

  string(): string {
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.buf[this.need(1)] as number;
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      if (shift > 28) throw new RangeError('RowBinary string length is not a valid varint');
    }
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }

  uint8(): number {
    return this.buf[this.need(1)] as number;
  }

  uint32(): number {
    return this.buf.readUInt32LE(this.need(4));
  }

  float64(): number {
    return this.buf.readDoubleLE(this.need(8));
  }

  int64(): number {
    const at = this.need(8);
    return this.buf.readInt32LE(at + 4) * TWO_32 + this.buf.readUInt32LE(at);
  }
}

/** Integers for UInt columns: truncated and clamped, so one odd value cannot fail a whole batch. */
const clampUint = (v: number, max: number): number =>
  Number.isFinite(v) ? Math.min(max, Math.max(0, Math.trunc(v))) : 0;

/** What a column holds when a payload did not carry it (the tables' defaults). */
const DEFAULTS: Readonly<Record<RowBinaryType, unknown>> = {
  String: '',
  UInt8: 0,
  UInt32: 0,
  Float64: 0,
  'Nullable(Float64)': null,
  'Nullable(UInt32)': null,
  'DateTime64(3)': 0,
};

/**
 * Rows of `T` as RowBinary with a fixed column list (sent as the INSERT's column list).
 * `unrecordedColumns`: the list of payloads spooled before spool files recorded theirs.
 */
export function rowBinary<T extends object>(
  columns: readonly RowBinaryColumn<T>[],
  opts: { unrecordedColumns?: readonly string[] } = {},
): RowFormat<T> {
  const format = rowBinaryOf(columns, columns);
  return opts.unrecordedColumns ? { ...format, unrecordedColumns: opts.unrecordedColumns } : format;
}

/** RowBinary of `columns`; decoded rows also get `all`'s other columns at their defaults. */
function rowBinaryOf<T extends object>(
  columns: readonly RowBinaryColumn<T>[],
  all: readonly RowBinaryColumn<T>[],
): RowFormat<T> {
  const missing = all.filter(([name]) => !columns.some(([n]) => n === name));
  const writeValue = (out: Out, type: RowBinaryType, v: unknown): void => {
    switch (type) {
      case 'String':
        out.string(
          typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '',
        );
        return;
      case 'UInt8':
        out.uint8(clampUint(Number(v), 0xff));
        return;
      case 'UInt32':
        out.uint32(clampUint(Number(v), UINT32_MAX));
        return;
      case 'Float64':
        out.float64(Number(v));
        return;
      case 'Nullable(Float64)':
        if (v === null || v === undefined) out.uint8(1);
        else {
          out.uint8(0);
          out.float64(Number(v));
        }
        return;
      case 'Nullable(UInt32)':
        if (v === null || v === undefined) out.uint8(1);
        else {
          out.uint8(0);
          out.uint32(clampUint(Number(v), UINT32_MAX));
        }
        return;
      case 'DateTime64(3)':
        out.int64(Math.round(Number(v)));
    }
  };
  const readValue = (inp: In, type: RowBinaryType): unknown => {
    switch (type) {
      case 'String':
        return inp.string();
      case 'UInt8':
        return inp.uint8();
      case 'UInt32':
        return inp.uint32();
      case 'Float64':
        return inp.float64();
      case 'Nullable(Float64)':
        return inp.uint8() === 1 ? null : inp.float64();
      case 'Nullable(UInt32)':
        return inp.uint8() === 1 ? null : inp.uint32();
      case 'DateTime64(3)':
        return inp.int64();
    }
  };
  return {
    name: 'RowBinary',
    columns: columns.map(([name]) => name),
    encode: (rows) => {
      // ~2 KB per row is typical for llm_calls (prompt + answer); the buffer grows if not.
      const out = new Out(Math.max(1024, rows.length * 2048));
      for (const row of rows) {
        const r = row as Record<string, unknown>;
        for (const [name, type] of columns) writeValue(out, type, r[name]);
      }
      return out.buf.subarray(0, out.n);
    },
    decode: (payload) => {
      const inp = new In(payload);
      const rows: T[] = [];
      while (!inp.done) {
        const row: Record<string, unknown> = {};
        for (const [name, type] of columns) row[name] = readValue(inp, type);
        for (const [name, type] of missing) row[name] = DEFAULTS[type];
        rows.push(row as T);
      }
      return rows;
    },
    withColumns: (names) => {
      const subset = names.map((name) => {
        const column = all.find(([n]) => n === name);
        if (!column) throw new Error(`column ${name} is not one of this format's`);
        return column;
      });
      return rowBinaryOf(subset, all);
    },
  };
}
