import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../cli/config.ts';
import { EVAL_QUEUE_NAME } from '../core/eval-job.ts';
import { silentLogger } from '../core/logger.ts';
import { createEvalProducer } from '../intake/producer.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { startEmbeddedClickhouse } from '../storage/embedded/index.ts';
import { migrate } from '../storage/migrate.ts';
import { eventually, insertCalls, jobsFor, makeCall, readUntilAtLeast } from './fixtures/eval-calls.ts';
import { startTestRedis } from './helpers/redis.ts';

// A worker PROCESS is killed with SIGKILL while many jobs are in flight (rows buffered, inserts
// under way, jobs locked); a second worker process recovers the stalled jobs. Afterwards every
// call has exactly one score per evaluator, in the table and in the rollup sums, and one verdict.
// ClickHouse (chdb: one process per data directory) runs here; the workers reach it over HTTP.

const DB = 'assay_worker_kill';
const PREFIX = 'kill';
const N = 1500;
const dir = mkdtempSync(join(tmpdir(), 'assay-worker-kill-'));
const stops: Array<() => Promise<unknown>> = [];
const children: ChildProcess[] = [];
let client: ClickHouseClient;
let workerConfig: unknown;

beforeAll(async () => {
  const redis = await startTestRedis();
  stops.push(() => redis.shutdown());
  const ch = await startEmbeddedClickhouse({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });
  stops.push(() => ch.shutdown());
  const input = {
    data_dir: dir,
    log_level: 'silent',
    redis: { url: redis.url, prefix: PREFIX },
    clickhouse: { url: ch.url, database: DB, password: ch.admin.password },
    // Short locks so the killed worker's jobs are recovered within seconds; slow flushes so
    // many jobs sit between "scored" and "written" when the kill lands.
    worker: { concurrency: 100, flush_interval: '400ms', lock_duration: '3s' },
  } as const;
  workerConfig = input;
  const config = parseConfig(input);
  client = createClickhouseClient(config.clickhouse, ch.url);
  stops.push(() => client.close());
  await migrate(client, { database: DB, ttlDays: 30, logger: silentLogger });
  const calls = Array.from({ length: N }, (_, i) => makeCall(i, 'kill'));
  await insertCalls(client, DB, calls);
  const producer = await createEvalProducer({ redis: redis.url, prefix: PREFIX, logger: silentLogger });
  producer.enqueue(jobsFor(calls));
  await producer.shutdown();
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/worker-main.ts'], {
    env: {
      ...process.env,
      ASSAY_TEST_CONFIG: JSON.stringify(workerConfig),
      ASSAY_TEST_SPOOL: join(dir, 'spool'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
}

async function scalar(query: string): Promise<number> {
  const rs = await client.query({ query: `SELECT toString((${query})) AS v`, format: 'JSONEachRow' });
  const [row] = await rs.json<{ v: string }>();
  return Number(row?.v);
}

describe('worker killed with SIGKILL mid-batch', () => {
  it('after a second worker drains the queue, every call has exactly one score per evaluator', async () => {
    const first = await startWorker();
    // Kill once some, but not all, verdicts are written: jobs are active, rows are buffered.
    await eventually(
      async () => ((await scalar(`SELECT count() FROM ${DB}.call_verdicts`)) >= 100 ? true : undefined),
      60_000,
    );
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = await scalar(`SELECT count() FROM ${DB}.call_verdicts`);
    expect(atKill).toBeLessThan(N);

    await startWorker();
    await eventually(
      async () => ((await scalar(`SELECT count() FROM ${DB}.call_verdicts`)) >= N ? true : undefined),
      90_000,
    );
    const queue = new Queue(EVAL_QUEUE_NAME, {
      connection: { url: (workerConfig as { redis: { url: string } }).redis.url },
      prefix: PREFIX,
    });
    try {
      await eventually(async () => {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
        return c['completed'] === N ? c : undefined;
      }, 60_000);
    } finally {
      await queue.close();
    }

    const scores = await scalar(`SELECT count() FROM ${DB}.llm_scores`);
    const keys = await scalar(`SELECT uniqExact(trace_id, span_id, evaluator) FROM ${DB}.llm_scores`);
    const calls = await scalar(`SELECT uniqExact(trace_id, span_id) FROM ${DB}.llm_scores`);
    expect(calls).toBe(N);
    expect(scores).toBe(keys);
    // No call is missing a score: calls with the same answer got the same number of evaluators.
    const spread = await client.query({
      query: `SELECT c.response AS response, uniqExact(s.n) AS sizes
        FROM (SELECT trace_id, span_id, count() AS n FROM ${DB}.llm_scores GROUP BY trace_id, span_id) AS s
        INNER JOIN ${DB}.llm_calls AS c ON c.trace_id = s.trace_id AND c.span_id = s.span_id
        GROUP BY response`,
      format: 'JSONEachRow',
    });
    const groups = await spread.json<{ response: string; sizes: string | number }>();
    expect(groups.length).toBeGreaterThan(1);
    for (const g of groups) expect(Number(g.sizes)).toBe(1);
    expect(await readUntilAtLeast(() => scalar(`SELECT sum(n) FROM ${DB}.llm_scores_1m`), scores)).toBe(
      scores,
    );
    expect(await scalar(`SELECT count() FROM ${DB}.call_verdicts`)).toBe(N);
    expect(await scalar(`SELECT uniqExact(trace_id, span_id) FROM ${DB}.call_verdicts`)).toBe(N);
    expect(await readUntilAtLeast(() => scalar(`SELECT sum(scored) FROM ${DB}.call_verdicts_1m`), N)).toBe(N);
  });
});
