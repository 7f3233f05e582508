import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../core/free-port.ts';
import type { LlmCall } from '../core/llm-call.ts';
import { createLogger, silentLogger } from '../core/logger.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { clickhouseConfigSchema } from '../storage/config.ts';
import { startEmbeddedClickhouse, type EmbeddedClickhouse } from '../storage/embedded/index.ts';
import { llmCallsFormat } from '../storage/llm-calls-format.ts';
import { migrate } from '../storage/migrate.ts';
import { BatchWriter, WriterShutdownError } from '../storage/writer.ts';
import { makeCall } from './fixtures/eval-calls.ts';

// The batch writer's spool on a real 2 MiB filesystem (tmpfs) that fills up while ClickHouse
// is down: a full disk is a state that clears by itself — rows wait in memory, are spooled
// once space returns, reach ClickHouse when it returns even while the disk is still full, and
// a shutdown that can neither send nor spool says so instead of reporting a clean stop. No
// write leaves a .tmp file behind. Needs root for the mount (CI runs as root): without it the
// test fails, it does not skip.

const DB = 'diskfull';
const dir = mkdtempSync(join(tmpdir(), 'assay-disk-full-'));
const mnt = join(dir, 'spool-fs');
const cfg = clickhouseConfigSchema.parse({ password: 'disk-full-test' });
let mounted = false;
let port: number;
let server: EmbeddedClickhouse | undefined;
let client: ClickHouseClient;

const start = async () => {
  server = await startEmbeddedClickhouse({
    dataDir: join(dir, 'ch'),
    host: '127.0.0.1',
    port,
    logger: silentLogger,
    password: cfg.password,
  });
};
const stop = async () => {
  await server?.shutdown();
  server = undefined;
};

beforeAll(async () => {
  spawnSync('mkdir', ['-p', mnt]);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(
      `cannot mount a 2 MiB tmpfs at ${mnt} (${(r.stderr || r.error?.message || '').trim()}): ` +
        'this test needs root to mount a real tiny filesystem',
    );
  mounted = true;
  port = await freePort();
  await start();
  client = createClickhouseClient(cfg, `http://127.0.0.1:${port}`);
  await migrate(client, { database: DB, ttlDays: 30, logger: silentLogger });
});

afterAll(async () => {
  try {
    await client?.close();
    await stop();
  } finally {
    if (mounted && spawnSync('umount', [mnt]).status !== 0) spawnSync('umount', ['-l', mnt]);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Calls of about 4 KiB each: 2 MiB hold some 450. */
const calls = (from: number, n: number): LlmCall[] =>
  Array.from({ length: n }, (_, i) => ({
    ...makeCall(from + i, 'diskfull'),
    service: 'diskfull',
    prompt: `user: ${'where is my parcel? '.repeat(200)}`,
  }));

/** Fills what is left of the filesystem with one file; returns its path. */
function fillDisk(): string {
  const filler = join(mnt, 'filler');
  spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' });
  return filler;
}

const tmpFiles = () =>
  readdirSync(join(mnt, 'spool'), { recursive: true }).filter((f) => String(f).endsWith('.tmp'));

/**
 * No .tmp file is left behind: one may exist while a write is under way (write, then rename),
 * so an orphan is one that does not go away.
 */
const noOrphanTmp = () => until(() => tmpFiles().length === 0, 'no .tmp file left in the spool', 3000);

async function storedKeys(): Promise<{ rows: number; keys: number }> {
  const rs = await client.query({
    query: `SELECT count() AS rows, uniqExact(trace_id, span_id) AS keys FROM ${DB}.llm_calls`,
    format: 'JSONEachRow',
  });
  const row = (await rs.json<{ rows: string; keys: string }>())[0];
  return { rows: Number(row?.rows), keys: Number(row?.keys) };
}

const until = async (cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

function writer(): BatchWriter<LlmCall> {
  return new BatchWriter<LlmCall>({
    name: 'llm_calls_diskfull',
    table: `${DB}.llm_calls`,
    client,
    format: llmCallsFormat,
    batchRows: 50,
    flushIntervalMs: 20,
    maxBufferedRows: 3000,
    spoolDir: join(mnt, 'spool'),
    // Larger than the filesystem: the disk fills before the spool's own bound.
    maxSpoolBytes: 64 * 1024 ** 2,
    logger: process.env['DEBUG_WRITER'] ? createLogger('debug') : silentLogger,
    quickAttempts: 1,
    quickBackoff: { initialMs: 5, maxMs: 10 },
    outageBackoff: { initialMs: 50, maxMs: 200 },
    shutdownTimeoutMs: 1500,
  });
}

describe('spool on a filesystem that fills up', () => {
  it('waits in memory while the disk is full, spools when space returns, and stores every row once ClickHouse is back, disk full or not', async () => {
    await stop();
    // Another file takes half the disk; deleting it later is the space that returns.
    const ballast = join(mnt, 'ballast');
    spawnSync('dd', ['if=/dev/zero', `of=${ballast}`, 'bs=64k', 'count=16'], { stdio: 'ignore' });
    const w = writer();
    let added = 0;
    const add = (n: number) => {
      expect(w.tryAdd(calls(added, n))).toBe(true);
      added += n;
    };
    // ClickHouse is down: the spool takes batches until the disk is full, the rest stays in memory.
    for (let i = 0; i < 12; i++) {
      add(100);
      await new Promise((r) => setTimeout(r, 30));
    }
    await until(() => w.stats().diskFull, 'the spool to hit the full disk');
    expect(w.stats().spoolBatches).toBeGreaterThan(0);
    expect(w.stats().buffered + w.stats().inFlight).toBeGreaterThan(0);
    await noOrphanTmp();

    // Nothing is freed yet: the state holds, rows stay in memory, still no .tmp files.
    await new Promise((r) => setTimeout(r, 500));
    expect(w.stats().diskFull).toBe(true);
    await noOrphanTmp();

    // Space returns (the other file is deleted): the writer spools by itself.
    const before = w.stats().spoolBatches;
    unlinkSync(ballast);
    await until(() => w.stats().spoolBatches > before, 'more batches spooled once space returned');
    await noOrphanTmp();

    // The disk is full again (a neighbour filled it) when ClickHouse comes back: the spool is
    // replayed anyway (which frees the disk), and what waited in memory goes too.
    const second = fillDisk();
    await start();
    add(200);
    await until(async () => (await storedKeys()).keys === added, `all ${added} rows stored`, 60_000);
    unlinkSync(second);
    await w.shutdown();
    expect(await storedKeys()).toEqual({ rows: added, keys: added });
    expect(w.stats()).toMatchObject({ spoolBatches: 0, buffered: 0, inFlight: 0, diskFull: false });
    await noOrphanTmp();
  });

  it('fails its shutdown, keeping what it spooled, when rows can be neither sent nor spooled', async () => {
    await stop();
    const w = writer();
    const filler = fillDisk();
    try {
      expect(w.tryAdd(calls(10_000, 200))).toBe(true);
      await until(() => w.stats().diskFull, 'the full disk to be noticed');
      await expect(w.shutdown()).rejects.toBeInstanceOf(WriterShutdownError);
      await noOrphanTmp();
    } finally {
      unlinkSync(filler);
    }
    // The same shutdown with room on the disk spools everything and stops cleanly.
    const next = writer();
    expect(next.tryAdd(calls(20_000, 200))).toBe(true);
    await next.shutdown();
    expect(next.stats().spoolBatches).toBeGreaterThan(0);
    await start();
  });
});
