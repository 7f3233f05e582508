import type { ChildProcess } from 'node:child_process';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { createEvalProducer } from '../intake/producer.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { migrate } from '../storage/migrate.ts';
import { eventually, insertCalls, jobsFor, makeCall, readUntilAtLeast } from './fixtures/eval-calls.ts';
import { startRoleProcess, writeRoleConfig } from './helpers/assay.ts';
import { startBackends, type TestBackends } from './helpers/backends.ts';

// Three `assay worker` processes on one queue (one Redis, one ClickHouse): the calls are shared
// among them, and every call is scored exactly once — one score per evaluator, one verdict.

const DB = 'assay_workers_scale';
const PREFIX = 'scale';
const N = 900;
const children: ChildProcess[] = [];
let backends: TestBackends;
let client: ClickHouseClient;

beforeAll(async () => {
  backends = await startBackends('assay-workers-scale-');
  client = createClickhouseClient(
    { ...parseConfig({}).clickhouse, password: backends.clickhousePassword },
    backends.clickhouseUrl,
  );
  await migrate(client, { database: DB, ttlDays: 30, logger: silentLogger });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await client?.close();
  await backends?.shutdown();
});

interface WorkerProcess {
  child: ChildProcess;
  completed(): Promise<number>;
}

async function startWorker(name: string): Promise<WorkerProcess> {
  const { child, url } = await startRoleProcess(
    'worker',
    () => writeRoleConfig(backends, name, { clickhouse: { database: DB }, redis: { prefix: PREFIX } }),
    children,
  );
  return {
    child,
    completed: async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(/^assay_jobs_processed_total\{outcome="completed"\} (\d+)/m.exec(text)?.[1] ?? 0);
    },
  };
}

const scalar = async (sql: string): Promise<number> => {
  const rs = await client.query({ query: `SELECT toString((${sql})) AS v`, format: 'JSONEachRow' });
  return Number((await rs.json<{ v: string }>())[0]?.v);
};

describe('three workers on one queue', () => {
  it('share the calls and score every one exactly once', async () => {
    const workers = await Promise.all(['w1', 'w2', 'w3'].map((n) => startWorker(n)));
    const calls = Array.from({ length: N }, (_, i) => makeCall(i, 'scale'));
    await insertCalls(client, DB, calls);
    const producer = await createEvalProducer({
      redis: backends.redisUrl,
      prefix: PREFIX,
      logger: silentLogger,
    });
    const jobs = jobsFor(calls);
    producer.enqueue(jobs);
    producer.enqueue(jobs.slice(0, 200)); // an exporter's retry: the same calls again
    await producer.shutdown();

    await eventually(
      async () => ((await scalar(`SELECT count() FROM ${DB}.call_verdicts`)) >= N ? true : undefined),
      120_000,
    );
    const done = await eventually(async () => {
      const each = await Promise.all(workers.map((w) => w.completed()));
      return each.reduce((a, b) => a + b, 0) >= N ? each : undefined;
    }, 30_000);
    // Each process took a share; together they completed every job once.
    expect(done.reduce((a, b) => a + b, 0)).toBe(N);
    for (const n of done) expect(n).toBeGreaterThan(0);

    expect(await scalar(`SELECT count() FROM ${DB}.call_verdicts`)).toBe(N);
    expect(await scalar(`SELECT uniqExact(trace_id, span_id) FROM ${DB}.call_verdicts`)).toBe(N);
    const scores = await scalar(`SELECT count() FROM ${DB}.llm_scores`);
    expect(await scalar(`SELECT uniqExact(trace_id, span_id, evaluator) FROM ${DB}.llm_scores`)).toBe(scores);
    expect(await scalar(`SELECT uniqExact(trace_id, span_id) FROM ${DB}.llm_scores`)).toBe(N);
    expect(await readUntilAtLeast(() => scalar(`SELECT sum(scored) FROM ${DB}.call_verdicts_1m`), N)).toBe(N);

    for (const w of workers) w.child.kill('SIGTERM');
    const codes = await Promise.all(workers.map((w) => new Promise((r) => w.child.once('exit', r))));
    expect(codes).toEqual([0, 0, 0]);
  });
});
