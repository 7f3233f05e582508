import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVAL_QUEUE_NAME } from '../core/eval-job.ts';
import { createLeaderLock } from '../core/leader-lock.ts';
import { silentLogger } from '../core/logger.ts';
import { createRedisClient, type RedisClient } from '../core/redis-client.ts';
import { createCheckPlan } from '../evaluators/checks/index.ts';
import {
  createRedisJudgeCache,
  createRedisSpendLedger,
  redisRateLimiters,
} from '../evaluators/judges/index.ts';
import { createEvaluationWorker, type EvaluationWorker } from '../evaluators/worker/index.ts';
import { createRedisStateStore } from '../alerts/state/state-store.ts';
import { eventually, startTestAssay, type TestAssay } from './helpers/assay.ts';
import { otlpJsonRequest, postTraces } from './helpers/otlp-json.ts';
import { startTestRedisCluster, type TestRedisCluster } from './helpers/redis-cluster.ts';

// The pipeline on a real Redis Cluster (3 masters, 3 replicas, password-protected, on loopback):
// collector → BullMQ queue → worker → scores, with the default `{assay}` prefix. Halfway through,
// the master that serves the queue's slot hands over to its replica (CLUSTER FAILOVER) while calls
// keep arriving and jobs are active: every sampled call is still scored exactly once.

const N = 400;
const BATCH = 20;
let cluster: TestRedisCluster;
let assay: TestAssay;
let worker: EvaluationWorker;
let redis: RedisClient;

beforeAll(async () => {
  cluster = await startTestRedisCluster();
  const section = { cluster: { nodes: cluster.nodes.slice(0, 2) }, password: cluster.password };
  assay = await startTestAssay({ redis: section });
  const config = assay.rt.config;
  expect(config.redis.prefix).toBe('{assay}');
  worker = await createEvaluationWorker({
    config,
    clickhouse: assay.rt.clickhouse,
    database: config.clickhouse.database,
    redis: config.redis,
    logger: silentLogger,
    checks: (deps) => createCheckPlan(config.evaluators, deps),
    judges: null,
    spoolDir: join(assay.dataDir, 'spool', 'scores'),
  });
  redis = createRedisClient(config.redis, { maxRetriesPerRequest: 3 });
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await worker?.shutdown();
  await assay?.shutdown();
  await cluster?.shutdown();
});

const count = async (sql: string): Promise<number> => Number((await assay.rows<{ n: string }>(sql))[0]?.n);

describe('on a Redis Cluster', () => {
  it('scores every call exactly once across a failover of the queue’s master', async () => {
    const db = assay.rt.config.clickhouse.database;
    const send = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += BATCH) {
        const { body } = otlpJsonRequest(
          Array.from({ length: BATCH }, (_, j) => ({
            route: `/api/r${(i + j) % 5}`,
            answer: (i + j) % 7 === 0 ? '' : `Answer number ${i + j}.`,
          })),
        );
        expect(await postTraces(assay.collector.url, body)).toBe(200);
      }
    };
    await send(0, N / 2);
    // Fail over while jobs are being processed and more calls arrive.
    await eventually(
      async () => ((await count(`SELECT count() AS n FROM ${db}.call_verdicts`)) > 0 ? true : undefined),
      60_000,
    );
    const before = await cluster.masterOf('{assay}');
    const [moved] = await Promise.all([cluster.failover('{assay}'), send(N / 2, N)]);
    expect(moved.from).toBe(before);
    expect(await cluster.masterOf('{assay}')).toBe(moved.to);

    await eventually(
      async () => ((await count(`SELECT count() AS n FROM ${db}.call_verdicts`)) >= N ? true : undefined),
      120_000,
    );
    expect(await count(`SELECT count() AS n FROM ${db}.llm_calls WHERE sampled = 1`)).toBe(N);
    expect(await count(`SELECT uniqExact(trace_id, span_id) AS n FROM ${db}.call_verdicts`)).toBe(N);
    expect(await count(`SELECT count() AS n FROM ${db}.call_verdicts`)).toBe(N);
    // Score rows have their own writer: on a loaded machine they land after the verdicts. Wait
    // until their count holds still for a second, then check that none is there twice.
    let scores = -1;
    await eventually(async () => {
      const now = await count(`SELECT count() AS n FROM ${db}.llm_scores`);
      const settled = now === scores && now > 0;
      scores = now;
      if (!settled) await new Promise((r) => setTimeout(r, 1000));
      return settled ? true : undefined;
    }, 60_000);
    expect(await count(`SELECT uniqExact(trace_id, span_id, evaluator) AS n FROM ${db}.llm_scores`)).toBe(
      scores,
    );
    expect(scores).toBeGreaterThanOrEqual(3 * N);
    // Empty answers were caught (the checks really ran on the cluster's jobs).
    expect(await count(`SELECT countIf(failed = 1) AS n FROM ${db}.call_verdicts`)).toBeGreaterThanOrEqual(
      Math.floor(N / 7),
    );

    // Every job completed, none failed, none left waiting on the new master.
    const queue = new Queue(EVAL_QUEUE_NAME, { connection: redis, prefix: assay.rt.config.redis.prefix });
    try {
      const counts = await eventually(async () => {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
        return c['completed'] === N ? c : undefined;
      }, 30_000);
      expect(counts).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    } finally {
      await queue.close();
    }
  });

  it('keeps the spend ledger, judge cache, rate limits, leader lock and alert state in one slot, across a failover', async () => {
    const prefix = assay.rt.config.redis.prefix;
    const ledger = createRedisSpendLedger(redis, prefix);
    const cache = createRedisJudgeCache(redis, prefix);
    const store = createRedisStateStore(redis, `${prefix}:alerter:state`);
    const a = createLeaderLock(redis, `${prefix}:alerter:lock`, 60_000);
    const b = createLeaderLock(redis, `${prefix}:alerter:lock`, 60_000);
    const limiter = redisRateLimiters(redis, prefix)('judge-a', 1, 2);
    expect((await limiter.reserve(0)).ok).toBe(true);
    await ledger.add('judge-a', 1200, 0.25);
    await cache.set(
      'k1',
      {
        evaluator: 'relevance',
        version: '1',
        score: 1,
        passed: true,
        reason: 'ok',
        judge_model: 'm',
        input_tokens: 1,
        output_tokens: 1,
        cost_usd: 0,
      },
      60_000,
    );
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);

    await cluster.failover('{assay}');

    // MGET and MULTI over two keys and the Lua renewal work on the new master (one slot: no CROSSSLOT).
    await ledger.add('judge-a', 800, 0.5);
    expect(await ledger.spentThisHour('judge-a')).toEqual({ tokens: 2000, usd: 0.75 });
    expect((await cache.get('k1'))?.evaluator).toBe('relevance');
    // The bucket moved with its slot (a token a minute: none refilled meanwhile): one token left
    // of the burst of two, then none.
    expect((await limiter.reserve(0)).ok).toBe(true);
    expect((await limiter.reserve(0)).ok).toBe(false);
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    await a.release();
    expect(await b.acquire()).toBe(true);
    const firing = {
      fingerprint: 'f1',
      rule: 'r',
      labels: { route: '/a' },
      phase: 'firing' as const,
      breachTicks: 0,
      okTicks: 0,
    };
    await store.save([firing], []);
    expect(await store.load()).toEqual(new Map([['f1', firing]]));
  });
});
