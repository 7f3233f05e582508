import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ClickHouseError, type ClickHouseClient } from '@clickhouse/client';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { BatchWriter, type BatchWriterOptions } from './writer.ts';

interface Row {
  id: number;
}

/** An in-memory ClickHouse: honours dedup tokens; `fail` decides per request. */
class FakeClickhouse {
  readonly stored: Row[] = [];
  readonly requests: Array<{ token: string; body: string }> = [];
  private readonly tokens = new Set<string>();
  fail: (token: string) => Error | undefined = () => undefined;

  asClient(): ClickHouseClient {
    return {
      exec: (p: { values: Readable; clickhouse_settings: Record<string, string> }) => this.exec(p),
    } as unknown as ClickHouseClient;
  }

  private async exec(p: { values: Readable; clickhouse_settings: Record<string, string> }) {
    let body = '';
    for await (const chunk of p.values) body += String(chunk);
    const token = p.clickhouse_settings['insert_deduplication_token'] ?? '';
    this.requests.push({ token, body });
    const err = this.fail(token);
    if (err) throw err;
    if (!this.tokens.has(token)) {
      this.tokens.add(token);
      for (const line of body.split('\n').filter(Boolean)) this.stored.push(JSON.parse(line) as Row);
    }
    return { stream: { destroy: () => undefined } };
  }
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const rows = (from: number, n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: from + i }));
const writers: BatchWriter<Row>[] = [];

function makeWriter(ch: FakeClickhouse, over: Partial<BatchWriterOptions<Row>> = {}): BatchWriter<Row> {
  const w = new BatchWriter<Row>({
    name: 'test',
    table: 'db.t',
    client: ch.asClient(),
    batchRows: 10,
    flushIntervalMs: 20,
    maxBufferedRows: 100,
    spoolDir: over.spoolDir ?? mkdtempSync(join(tmpdir(), 'assay-spool-')),
    maxSpoolBytes: 1024 ** 2,
    logger: silentLogger,
    quickBackoff: { initialMs: 1, maxMs: 2 },
    outageBackoff: { initialMs: 5, maxMs: 20 },
    ...over,
  });
  writers.push(w);
  return w;
}

afterEach(async () => {
  await Promise.all(writers.splice(0).map((w) => w.shutdown()));
});

describe('BatchWriter', () => {
  it('writes rows in batches of at most batchRows, and add() settles once they are stored', async () => {
    const ch = new FakeClickhouse();
    const w = makeWriter(ch);
    const { accepted, done } = w.add(rows(0, 25));
    expect(accepted).toBe(true);
    await done;
    expect(ch.stored.map((r) => r.id)).toEqual(rows(0, 25).map((r) => r.id));
    expect(ch.requests.map((r) => r.body.split('\n').filter(Boolean).length)).toEqual([10, 10, 5]);
  });

  it('retries with the same token and the same bytes', async () => {
    const ch = new FakeClickhouse();
    let failures = 2;
    ch.fail = () => (failures-- > 0 ? refused() : undefined);
    const w = makeWriter(ch);
    await w.add(rows(0, 3)).done;
    expect(ch.requests).toHaveLength(3);
    expect(new Set(ch.requests.map((r) => r.token)).size).toBe(1);
    expect(new Set(ch.requests.map((r) => r.body)).size).toBe(1);
    expect(ch.stored).toHaveLength(3);
  });

  it('dead-letters a batch ClickHouse refuses for good and rejects its add()', async () => {
    const ch = new FakeClickhouse();
    ch.fail = () =>
      new ClickHouseError({ message: 'bad', code: '27', type: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED' });
    const dir = mkdtempSync(join(tmpdir(), 'assay-spool-'));
    const w = makeWriter(ch, { spoolDir: dir });
    await expect(w.add(rows(0, 3)).done).rejects.toThrow('bad');
    expect(ch.requests).toHaveLength(1);
    expect(readdirSync(join(dir, 'dead'))).toHaveLength(1);
  });

  it('spools while ClickHouse is down and replays in order when it is back', async () => {
    const ch = new FakeClickhouse();
    let down = true;
    ch.fail = () => (down ? refused() : undefined);
    const w = makeWriter(ch);
    await w.add(rows(0, 10)).done; // spooled after the quick attempts
    await w.add(rows(10, 15)).done; // behind the spool
    expect(w.stats().spoolBatches).toBe(3);
    expect(ch.stored).toHaveLength(0);
    down = false;
    await expect.poll(() => w.stats().spoolBatches, { timeout: 5000 }).toBe(0);
    expect(ch.stored.map((r) => r.id)).toEqual(rows(0, 25).map((r) => r.id));
  });

  it('refuses rows when memory and spool are full, and takes them again once drained', async () => {
    const ch = new FakeClickhouse();
    let down = true;
    ch.fail = () => (down ? refused() : undefined);
    const w = makeWriter(ch, { maxBufferedRows: 20, maxSpoolBytes: 1 });
    expect(w.tryAdd(rows(0, 20))).toBe(true);
    expect(w.tryAdd(rows(20, 1))).toBe(false);
    expect(w.available()).toBe(0);
    down = false;
    await expect.poll(() => w.available(), { timeout: 5000 }).toBe(20);
    expect(ch.stored).toHaveLength(20);
  });

  it('spools on shutdown what it cannot send, and a new writer replays it', async () => {
    const ch = new FakeClickhouse();
    ch.fail = () => refused();
    const dir = mkdtempSync(join(tmpdir(), 'assay-spool-'));
    const first = makeWriter(ch, { spoolDir: dir, flushIntervalMs: 60_000, shutdownTimeoutMs: 200 });
    first.tryAdd(rows(0, 7));
    await first.shutdown();
    expect(first.tryAdd(rows(7, 1))).toBe(false);
    expect(first.stats().spoolBatches).toBe(1);

    ch.fail = () => undefined;
    const second = makeWriter(ch, { spoolDir: dir, onWritten: (r) => written.push(...r) });
    const written: Row[] = [];
    await expect.poll(() => second.stats().spoolBatches, { timeout: 5000 }).toBe(0);
    expect(ch.stored.map((r) => r.id)).toEqual(rows(0, 7).map((r) => r.id));
    expect(written).toHaveLength(7);
  });

  it('runs beforeInsert on every attempt and calls onWritten with what was written', async () => {
    const ch = new FakeClickhouse();
    const written: Row[] = [];
    const w = makeWriter(ch, {
      beforeInsert: (r) => Promise.resolve(r.filter((x) => x.id % 2 === 0)),
      onWritten: (r) => written.push(...r),
    });
    await w.add(rows(0, 6)).done;
    expect(ch.stored.map((r) => r.id)).toEqual([0, 2, 4]);
    expect(written.map((r) => r.id)).toEqual([0, 2, 4]);
  });

  it('keeps only the rows retain() asks for, stores them all, and batches adds together', async () => {
    const ch = new FakeClickhouse();
    const written: Row[] = [];
    const w = makeWriter(ch, {
      flushIntervalMs: 60_000,
      retain: (r) => r.id % 3 === 0,
      onWritten: (r) => written.push(...r),
    });
    for (let i = 0; i < 12; i += 4) w.tryAdd(rows(i, 4));
    await w.flush();
    expect(ch.stored.map((r) => r.id)).toEqual(rows(0, 12).map((r) => r.id));
    // Whole adds of 4 rows up to batchRows (10): 8 + 4.
    expect(ch.requests.map((r) => r.body.split('\n').filter(Boolean).length)).toEqual([8, 4]);
    expect(written.map((r) => r.id)).toEqual([0, 3, 6, 9]);
  });

  it('flush() sends a partial batch without waiting for the timer', async () => {
    const ch = new FakeClickhouse();
    const w = makeWriter(ch, { flushIntervalMs: 60_000 });
    w.tryAdd(rows(0, 3));
    await w.flush();
    expect(ch.stored).toHaveLength(3);
  });
});
