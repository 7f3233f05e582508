import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../core/free-port.ts';
import type { LlmCall } from '../core/llm-call.ts';
import { silentLogger } from '../core/logger.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { clickhouseConfigSchema } from '../storage/config.ts';
import { startEmbeddedClickhouse, type EmbeddedClickhouse } from '../storage/embedded/index.ts';
import { migrate } from '../storage/migrate.ts';
import { jsonEachRow } from '../storage/batch-insert.ts';
import { llmCallsFormat } from '../storage/llm-calls-format.ts';
import { BatchWriter, type BatchWriterOptions } from '../storage/writer.ts';
import { makeCall } from './fixtures/eval-calls.ts';

// The batch writer against the embedded ClickHouse while it goes away and comes back: rows
// spool to disk, are replayed when it answers again, and every row lands exactly once in
// llm_calls and in the llm_calls_1m rollup — also when a response is lost after the server
// wrote the batch, and when the writer itself restarts with a spool left behind.

const DB = 'outage';
const dir = mkdtempSync(join(tmpdir(), 'assay-writer-outage-'));
const cfg = clickhouseConfigSchema.parse({ password: 'writer-outage-test' });
let port: number;
let server: EmbeddedClickhouse | undefined;
let client: ClickHouseClient;

const start = async () => {
  server = await startEmbeddedClickhouse({
    dataDir: dir,
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
  port = await freePort();
  await start();
  client = createClickhouseClient(cfg, `http://127.0.0.1:${port}`);
  await migrate(client, { database: DB, ttlDays: 30, logger: silentLogger });
});

afterAll(async () => {
  await client?.close();
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

function writer(service: string, over: Partial<BatchWriterOptions<LlmCall>> = {}): BatchWriter<LlmCall> {
  return new BatchWriter<LlmCall>({
    name: `llm_calls_${service}`,
    table: `${DB}.llm_calls`,
    client,
    batchRows: 200,
    flushIntervalMs: 50,
    maxBufferedRows: 5000,
    spoolDir: join(dir, 'spool', service),
    maxSpoolBytes: 64 * 1024 ** 2,
    logger: silentLogger,
    format: llmCallsFormat,
    quickBackoff: { initialMs: 5, maxMs: 20 },
    outageBackoff: { initialMs: 100, maxMs: 300 },
    ...over,
  });
}

const calls = (service: string, from: number, n: number): LlmCall[] =>
  Array.from({ length: n }, (_, i) => ({ ...makeCall(from + i, service), service }));

async function stored(service: string) {
  const q = async <T>(query: string) =>
    (await (await client.query({ query, query_params: { service }, format: 'JSONEachRow' })).json<T>())[0];
  const table = await q<{ n: number; keys: number }>(
    `SELECT count() AS n, uniqExact(trace_id, span_id) AS keys FROM ${DB}.llm_calls WHERE service = {service:String}`,
  );
  const rollup = await q<{ calls: number; input_tokens: number }>(
    `SELECT sum(calls) AS calls, sum(input_tokens) AS input_tokens FROM ${DB}.llm_calls_1m WHERE service = {service:String}`,
  );
  return {
    rows: Number(table?.n),
    keys: Number(table?.keys),
    rollupCalls: Number(rollup?.calls),
    rollupInputTokens: Number(rollup?.input_tokens),
  };
}

const until = async (cond: () => boolean, what: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('llm_calls as RowBinary', () => {
  it('matches the table column for column and reads back exactly what was written', async () => {
    const described = await (
      await client.query({ query: `DESCRIBE TABLE ${DB}.llm_calls`, format: 'JSONEachRow' })
    ).json<{ name: string; type: string }>();
    const plain = (t: string) => t.replace(/^LowCardinality\((.*)\)$/, '$1').replace(/, 'UTC'\)$/, ')');
    expect(described.map((c) => c.name)).toEqual(llmCallsFormat.columns);
    const base = calls('rowbinary', 0, 1)[0] as LlmCall;
    const rows: LlmCall[] = [
      {
        ...base,
        prompt: 'user: ¿Dónde está mi pedido? 🙂\n\n"quoted"\ttab',
        cost_usd: null,
        response_id: 'chatcmpl-AugxBIoQzz2zFMWFoiyS3Vmm1OuQI',
      },
      {
        ...base,
        span_id: 'b'.repeat(16),
        response: 'é'.repeat(5000),
        input_tokens: 123_456,
        duration_ms: 0.25,
      },
    ];
    const types = described.map((c) => plain(c.type));
    expect(types).toContain('Nullable(Float64)');
    const res = await client.exec({
      query: `INSERT INTO ${DB}.llm_calls (${llmCallsFormat.columns?.join(', ')}) FORMAT RowBinary`,
      values: Readable.from([llmCallsFormat.encode(rows)]),
    });
    res.stream.destroy();
    const back = await (
      await client.query({
        query: `SELECT * EXCEPT timestamp, toUnixTimestamp64Milli(timestamp) AS timestamp FROM ${DB}.llm_calls WHERE service = 'rowbinary' ORDER BY span_id`,
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      })
    ).json<LlmCall>();
    expect(back).toEqual(rows.map((r) => ({ ...r })).sort((a, b) => a.span_id.localeCompare(b.span_id)));
  });
});

describe('a batch spooled before an upgrade added columns', () => {
  it('is replayed with the columns it was written with; the new ones take their defaults', async () => {
    // What a collector before migration 0012 left in its spool: RowBinary of the 37 columns it
    // knew, and a header without a column list.
    const legacy = llmCallsFormat.unrecordedColumns ?? [];
    expect(legacy).not.toContain('response_id');
    const old = calls('legacy', 0, 3).map((c) => ({ ...c, response_id: 'never-written' }));
    const payload = llmCallsFormat.withColumns?.(legacy).encode(old);
    if (!payload) throw new Error('llm_calls format cannot write a column subset');
    const spoolDir = join(dir, 'spool', 'legacy');
    mkdirSync(spoolDir, { recursive: true });
    const head = JSON.stringify({ token: 'legacy-batch-1', rows: old.length, format: 'RowBinary' });
    writeFileSync(
      join(spoolDir, '000000000001-legacy-batch-1.batch'),
      Buffer.concat([Buffer.from(`${head}\n`), payload]),
    );
    const w = writer('legacy', { spoolDir });
    await until(() => w.startupSpoolReplayed(), 'the legacy batch replayed');
    await w.shutdown();
    const back = await (
      await client.query({
        query: `SELECT span_id, response_id, prompt FROM ${DB}.llm_calls WHERE service = 'legacy' ORDER BY span_id`,
        format: 'JSONEachRow',
      })
    ).json<{ span_id: string; response_id: string; prompt: string }>();
    expect(back).toEqual(
      old
        .map((c) => ({ span_id: c.span_id, response_id: '', prompt: c.prompt }))
        .sort((a, b) => a.span_id.localeCompare(b.span_id)),
    );
    expect(readdirSync(join(spoolDir, 'dead'))).toEqual([]);
  });
});

describe('BatchWriter during a ClickHouse outage', () => {
  it('spools while the server is down, replays after restart, and stores every row exactly once', async () => {
    const w = writer('load');
    let accepted = 0;
    let refused = 0;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        const batch = calls('load', accepted, 50);
        if (w.tryAdd(batch)) accepted += batch.length;
        else refused++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await until(() => accepted >= 1500, '1500 rows accepted');
    await stop();
    await until(() => w.stats().spoolBatches >= 3, 'batches spooled to disk');
    expect(
      readdirSync(join(dir, 'spool', 'load')).filter((f) => f.endsWith('.batch')).length,
    ).toBeGreaterThanOrEqual(3);
    const acceptedDuringOutage = accepted;
    await start();
    await until(() => accepted >= acceptedDuringOutage + 1500, 'rows accepted after restart');
    producing = false;
    await producer;
    await w.flush();
    await until(() => w.stats().spoolBatches === 0 && w.stats().buffered === 0, 'spool replayed');
    await w.shutdown();
    expect(refused).toBe(0);
    expect(await stored('load')).toEqual({
      rows: accepted,
      keys: accepted,
      rollupCalls: accepted,
      rollupInputTokens: accepted * 50,
    });
  });

  it('does not double-count a batch whose response was lost after the server wrote it', async () => {
    const seen: Array<{ token: string | null; status: number }> = [];
    const proxy = await dropFirstInsertResponse(port, seen);
    const viaProxy = createClickhouseClient(cfg, `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
    const w = writer('lost', { client: viaProxy });
    try {
      await w.add(calls('lost', 0, 120)).done;
      await w.shutdown();
      expect(seen.length).toBe(2);
      expect(seen[0]?.token).toBe(seen[1]?.token);
      // The server wrote the first attempt; the retry with the same token was dropped by it.
      expect(await stored('lost')).toEqual({
        rows: 120,
        keys: 120,
        rollupCalls: 120,
        rollupInputTokens: 6000,
      });

      // The same batch sent again by hand, same token and bytes: still counted once.
      const body = llmCallsFormat.encode(calls('lost', 0, 120));
      const res = await client.exec({
        query: `INSERT INTO ${DB}.llm_calls (${llmCallsFormat.columns?.join(', ')}) FORMAT RowBinary`,
        values: Readable.from([body]),
        clickhouse_settings: {
          insert_deduplication_token: seen[0]?.token ?? '',
          deduplicate_blocks_in_dependent_materialized_views: 1,
        },
      });
      res.stream.destroy();
      expect(await stored('lost')).toEqual({
        rows: 120,
        keys: 120,
        rollupCalls: 120,
        rollupInputTokens: 6000,
      });
    } finally {
      await viaProxy.close();
      proxy.close();
    }
  });

  it('keeps the spool across a writer restart and replays it exactly once, also a spool of the older JSONEachRow format', async () => {
    await stop();
    // The previous version of the collector spooled JSONEachRow; this one writes RowBinary.
    const first = writer('restart', { format: jsonEachRow<LlmCall>() });
    const { done } = first.add(calls('restart', 0, 500));
    await done; // spooled, since ClickHouse is down
    await first.shutdown();
    expect(readdirSync(join(dir, 'spool', 'restart')).filter((f) => f.endsWith('.batch')).length).toBe(3);

    await start();
    const written: LlmCall[] = [];
    const second = writer('restart', { onWritten: (rows) => written.push(...rows) });
    await until(() => second.stats().spoolBatches === 0, 'spool replayed by the new writer');
    await second.shutdown();
    expect(await stored('restart')).toEqual({
      rows: 500,
      keys: 500,
      rollupCalls: 500,
      rollupInputTokens: 25_000,
    });
    expect(written.map((c) => c.span_id).sort()).toEqual(
      calls('restart', 0, 500)
        .map((c) => c.span_id)
        .sort(),
    );
  });
});

/**
 * An HTTP proxy to ClickHouse that forwards the first INSERT, lets the server answer it, and
 * then cuts the client's connection instead of passing the answer on: the writer sees a
 * socket hang up for an insert that did land.
 */
async function dropFirstInsertResponse(
  target: number,
  seen: Array<{ token: string | null; status: number }>,
): Promise<Server> {
  let dropped = false;
  const proxy = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const isInsert = url.searchParams.get('query')?.startsWith('INSERT') === true;
    const upstream = request(
      { host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          if (isInsert)
            seen.push({
              token: url.searchParams.get('insert_deduplication_token'),
              status: up.statusCode ?? 0,
            });
          if (isInsert && !dropped) {
            dropped = true;
            req.socket.destroy();
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  return proxy;
}
