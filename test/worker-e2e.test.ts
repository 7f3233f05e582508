import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type AssayConfig } from '../cli/config.ts';
import { EVAL_QUEUE_NAME, evalJobId } from '../core/eval-job.ts';
import { silentLogger } from '../core/logger.ts';
import { registry } from '../core/metrics.ts';
import { createCheckPlan } from '../evaluators/checks/index.ts';
import { createEvalProducer, type EvalProducer } from '../intake/producer.ts';
import { createEvaluationWorker, type EvaluationWorker } from '../evaluators/worker/index.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { startEmbeddedClickhouse } from '../storage/embedded/index.ts';
import { migrate } from '../storage/migrate.ts';
import { ORDERS, REFUNDS, SEARCH } from '../cli/demo/conversations.ts';
import { eventually, insertCalls, jobsFor, makeCall } from './fixtures/eval-calls.ts';
import { startTestRedis } from './helpers/redis.ts';

// Real Redis, real BullMQ, the embedded ClickHouse engine and the real cheap checks: calls in
// `llm_calls`, jobs through the producer, scores and verdicts out of the worker.

const DB = 'assay_worker_e2e';
const PREFIX = 'e2e';
const N = 200;
const dir = mkdtempSync(join(tmpdir(), 'assay-worker-e2e-'));
const stops: Array<() => Promise<unknown>> = [];
let client: ClickHouseClient;
let config: AssayConfig;
let producer: EvalProducer;
let worker: EvaluationWorker;
let queue: Queue;

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
  config = parseConfig({
    data_dir: dir,
    redis: { url: redis.url, prefix: PREFIX },
    clickhouse: { url: ch.url, database: DB, password: ch.admin.password },
    worker: { flush_interval: '50ms', concurrency: 20 },
  });
  client = createClickhouseClient(config.clickhouse, ch.url);
  stops.push(() => client.close());
  await migrate(client, { database: DB, ttlDays: 30, logger: silentLogger });
  worker = await createEvaluationWorker({
    config,
    clickhouse: client,
    database: DB,
    redis: redis.url,
    logger: silentLogger,
    checks: (deps) => createCheckPlan(config.evaluators, deps),
    judges: null,
    spoolDir: join(dir, 'spool'),
  });
  stops.push(() => worker.shutdown());
  producer = await createEvalProducer({ redis: redis.url, prefix: PREFIX, logger: silentLogger });
  stops.push(() => producer.shutdown());
  queue = new Queue(EVAL_QUEUE_NAME, { connection: { url: redis.url }, prefix: PREFIX });
  stops.push(() => queue.close());
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

describe('evaluation worker end to end', () => {
  it('scores every queued call once per evaluator and writes one verdict per call', async () => {
    const calls = Array.from({ length: N }, (_, i) => makeCall(i, 'e2e'));
    const evaluated = async (): Promise<{ all: number; failed: number }> => {
      const m = await registry.getSingleMetric('assay_evaluations_total')?.get();
      const mine = m?.values.filter((v) => v.labels['evaluator'] === 'empty_response') ?? [];
      return {
        all: mine.reduce((n, v) => n + v.value, 0),
        failed: mine.find((v) => v.labels['outcome'] === 'failed')?.value ?? 0,
      };
    };
    const before = await evaluated();
    await insertCalls(client, DB, calls);
    const jobs = jobsFor(calls);
    producer.enqueue(jobs);
    producer.enqueue(jobs.slice(0, 50)); // an exporter retry: the same calls again

    // Verdicts and scores are inserted by separate batch writers: wait for both tables.
    await eventually(async () => {
      const [v] = await rows<{ verdicts: string | number; scored: string | number }>(
        `SELECT (SELECT count() FROM ${DB}.call_verdicts) AS verdicts,
                (SELECT uniqExact(trace_id, span_id) FROM ${DB}.llm_scores) AS scored`,
      );
      return Number(v?.verdicts) === N && Number(v?.scored) === N ? true : undefined;
    }, 60_000);

    const perCall = await rows<{ dup: string | number; calls: string | number; evaluators: string | number }>(
      `SELECT countIf(c > 1) AS dup, uniqExact(trace_id, span_id) AS calls, uniqExact(evaluator) AS evaluators
       FROM (SELECT trace_id, span_id, evaluator, count() AS c FROM ${DB}.llm_scores GROUP BY trace_id, span_id, evaluator)`,
    );
    expect(Number(perCall[0]?.dup)).toBe(0);
    expect(Number(perCall[0]?.calls)).toBe(N);
    expect(Number(perCall[0]?.evaluators)).toBeGreaterThanOrEqual(3);

    // The failure modes in the fixture are caught: empty answers fail, the refusal fails.
    const empty = calls.filter((c) => c.response === '').map((c) => c.trace_id);
    const failedEmpty = await rows<{ n: string | number }>(
      `SELECT count() AS n FROM ${DB}.call_verdicts WHERE failed = 1 AND trace_id IN {t:Array(String)}`,
      { t: empty },
    );
    expect(Number(failedEmpty[0]?.n)).toBe(empty.length);
    // assay_evaluations_total, as /metrics reads it: each call's check counted once.
    const after = await evaluated();
    expect({ all: after.all - before.all, failed: after.failed - before.failed }).toEqual({
      all: N,
      failed: empty.length,
    });
    const good = await rows<{ failed: number }>(
      `SELECT failed FROM ${DB}.call_verdicts WHERE trace_id = {t:String}`,
      { t: calls[0]?.trace_id },
    );
    expect(good).toEqual([{ failed: 0 }]);

    // Weighted rollups: p = 1, so weighted counts equal counts; one rollup row set per score.
    const rollup = await rows<{ n: string | number; w: number; scores: string | number }>(
      `SELECT (SELECT sum(n) FROM ${DB}.llm_scores_1m) AS n, (SELECT sum(w_n) FROM ${DB}.llm_scores_1m) AS w,
              (SELECT count() FROM ${DB}.llm_scores) AS scores`,
    );
    expect(Number(rollup[0]?.n)).toBe(Number(rollup[0]?.scores));
    expect(rollup[0]?.w).toBe(Number(rollup[0]?.scores));

    // The duplicate adds did not become jobs: exactly N completed.
    const counts = await queue.getJobCounts('completed', 'failed');
    expect(counts['completed']).toBe(N);
  });

  it('the same job enqueued twice is one job', async () => {
    const call = makeCall(10_000, 'twice');
    await insertCalls(client, DB, [call]);
    const [job] = jobsFor([call]);
    if (!job) throw new Error('no job');
    producer.enqueue([job]);
    producer.enqueue([job]);
    const done = await eventually(async () => {
      const j = await queue.getJob(evalJobId(job));
      return j && (await j.isCompleted()) ? j : undefined;
    }, 30_000);
    expect(done.attemptsMade).toBeLessThanOrEqual(1);
    const v = await rows<{ n: string | number }>(
      `SELECT count() AS n FROM ${DB}.call_verdicts WHERE trace_id = {t:String}`,
      {
        t: call.trace_id,
      },
    );
    expect(Number(v[0]?.n)).toBe(1);
  });

  it('a bad payload is rejected without retries and counted', async () => {
    const before = await metricValue('assay_jobs_failed_total', { reason: 'bad_payload' });
    await queue.add('evaluate', { v: 2, trace_id: 'x' }, { jobId: 'call-bad-payload', attempts: 5 });
    await eventually(
      async () => ((await queue.getJobState('call-bad-payload')) === 'failed' ? true : undefined),
      30_000,
    );
    // Read the job after it failed: a Job object is a snapshot of the moment it was fetched.
    const failed = (await queue.getJob('call-bad-payload'))!;
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/invalid evaluation job payload/);
    expect((await metricValue('assay_jobs_failed_total', { reason: 'bad_payload' })) - before).toBe(1);
  });

  it('a job whose call never appears is retried, not completed', async () => {
    const ghost = jobsFor([makeCall(20_000, 'ghost')]);
    producer.enqueue(ghost);
    const first = ghost[0];
    if (!first) throw new Error('no job');
    const retried = await eventually(async () => {
      const j = await queue.getJob(evalJobId(first));
      return j && j.attemptsMade >= 1 ? j : undefined;
    }, 30_000);
    expect(await retried.isCompleted()).toBe(false);
    expect(retried.failedReason).toMatch(/not found/);
  });

  it('fails none of the good answers of several kinds (languages, JSON, long and short)', async () => {
    const all = [...REFUNDS, ...ORDERS, ...SEARCH];
    const calls = all.map((x, i) => ({
      ...makeCall(10_000 + i, 'good'),
      prompt: `system: You are a helpful support agent.\n\nuser: ${x.question}`,
      response: x.answer,
      finish_reason: 'stop',
    }));
    await insertCalls(client, DB, calls);
    producer.enqueue(jobsFor(calls));
    const traces = calls.map((c) => c.trace_id);
    const verdicts = await eventually(async () => {
      const v = await rows<{ trace_id: string; failed: number; failed_evaluators: string[] }>(
        `SELECT trace_id, failed, failed_evaluators FROM ${DB}.call_verdicts WHERE trace_id IN {t:Array(String)}`,
        { t: traces },
      );
      return v.length === calls.length ? v : undefined;
    }, 60_000);
    expect(verdicts.filter((v) => v.failed === 1)).toEqual([]);
  });
});
