import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactionConfigSchema } from '../collector/config.ts';
import { createRedactor } from '../collector/normalise/redaction.ts';
import { parseConfig, type AssayConfigInput } from '../cli/config.ts';
import { EVAL_QUEUE_NAME, evalJobId } from '../core/eval-job.ts';
import { freePort } from '../core/free-port.ts';
import { silentLogger } from '../core/logger.ts';
import { registry } from '../core/metrics.ts';
import { createCheckPlan } from '../evaluators/checks/index.ts';
import {
  createJudgeRunner,
  createMemoryJudgeCache,
  createMemorySpendLedger,
} from '../evaluators/judges/index.ts';
import { createEvalProducer, type EvalProducer } from '../intake/producer.ts';
import { createEvaluationWorker, type EvaluationWorker } from '../evaluators/worker/index.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { migrate } from '../storage/migrate.ts';
import { eventually, insertCalls, jobsFor, makeCall } from './fixtures/eval-calls.ts';
import { ClickhouseProcess } from './helpers/clickhouse-process.ts';
import { startTestRedis } from './helpers/redis.ts';

// Evaluations survive what they depend on being down: ClickHouse (an `assay clickhouse` process
// stopped for 30 s), the judge endpoint (a 30 s storm of 429s), and a job lost outright (the
// reconciler finds the sampled call without a verdict). Real Redis, real BullMQ, the real engine.

const DB = 'assay_eval_recovery';
const PREFIX = 'recovery';
const PASSWORD = 'recovery-test-password';
const dir = mkdtempSync(join(tmpdir(), 'assay-eval-recovery-'));
const stops: Array<() => Promise<unknown>> = [];
let clickhouse: ClickhouseProcess;
let chPort: number;
let chConfig: string;
let client: ClickHouseClient;
let redisUrl: string;
let producer: EvalProducer;
let queue: Queue;

beforeAll(async () => {
  const redis = await startTestRedis();
  stops.push(() => redis.shutdown());
  redisUrl = redis.url;
  chPort = await freePort();
  chConfig = join(dir, 'clickhouse.yaml');
  writeFileSync(
    chConfig,
    `data_dir: ${join(dir, 'ch')}\nlog_level: warn\nclickhouse:\n  password: ${PASSWORD}\n  embedded:\n    port: ${chPort}\n`,
  );
  clickhouse = new ClickhouseProcess(chConfig, chPort);
  await clickhouse.start();
  stops.push(() => clickhouse.stop());
  client = createClickhouseClient(parseConfig({ clickhouse: { password: PASSWORD } }).clickhouse, chUrl());
  stops.push(() => client.close());
  await migrate(client, { database: DB, ttlDays: 30, logger: silentLogger });
  producer = await createEvalProducer({ redis: redisUrl, prefix: PREFIX, logger: silentLogger });
  stops.push(() => producer.shutdown());
  queue = new Queue(EVAL_QUEUE_NAME, { connection: { url: redisUrl }, prefix: PREFIX });
  stops.push(() => queue.close());
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const chUrl = (): string => `http://127.0.0.1:${chPort}`;

function workerConfig(over: AssayConfigInput['worker'] = {}) {
  return parseConfig({
    data_dir: dir,
    redis: { url: redisUrl, prefix: PREFIX },
    clickhouse: { url: chUrl(), database: DB, password: PASSWORD },
    worker: { flush_interval: '50ms', concurrency: 50, ...over },
    judges: {
      endpoints: [
        {
          base_url: judge.url,
          model: 'judge-mini',
          api_key_env: 'RECOVERY_JUDGE_KEY',
          max_retries: 0,
          breaker: { failure_threshold: 5, open_for: '5s' },
        },
      ],
      rules: [{ match: { route: '/api/judged' }, rubrics: ['relevance'], probability: 1 }],
    },
  });
}

async function startWorker(
  config: ReturnType<typeof workerConfig>,
  withJudges = false,
): Promise<EvaluationWorker> {
  const judges = withJudges
    ? createJudgeRunner(config.judges, {
        logger: silentLogger,
        spend: createMemorySpendLedger(),
        cache: createMemoryJudgeCache(),
        redact: createRedactor(redactionConfigSchema.parse({})),
        env: { RECOVERY_JUDGE_KEY: 'k' },
      })
    : null;
  const worker = await createEvaluationWorker({
    config,
    clickhouse: client,
    database: DB,
    redis: redisUrl,
    logger: silentLogger,
    checks: (deps) => createCheckPlan(config.evaluators, deps),
    judges,
    spoolDir: join(dir, 'spool'),
  });
  return {
    shutdown: async () => {
      await worker.shutdown();
      await judges?.shutdown();
    },
  };
}

async function count(query: string, params: Record<string, unknown>): Promise<number> {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  const [row] = await rs.json<{ n: string | number }>();
  return Number(row?.n ?? 0);
}
/** Calls of one test carry their own service name (a list of keys would not fit in the URL). */
const verdictsFor = (service: string): Promise<number> =>
  count(`SELECT uniqExact(trace_id, span_id) AS n FROM ${DB}.call_verdicts WHERE service = {s:String}`, {
    s: service,
  });
const callsOf = (n: number, service: string, at?: number) =>
  Array.from({ length: n }, (_, i) => ({ ...makeCall(i, service, at), service }));

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
}

/** An OpenAI-compatible judge that answers 429 (Retry-After: 1) until `stormUntil`, then a verdict. */
const judge = { url: '', stormUntil: 0, requests: 0, throttled: 0, server: undefined as Server | undefined };
beforeAll(async () => {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      judge.requests++;
      if (Date.now() < judge.stormUntil) {
        judge.throttled++;
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        return res.end(JSON.stringify({ error: { message: 'rate limited', type: 'rate_limit' } }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      const content = JSON.stringify({ score: 0.9, verdict: 'pass', reasoning: 'It answers the question.' });
      res.end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          created: 0,
          model: 'judge-mini',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  judge.server = server;
  judge.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  stops.push(() => new Promise((r) => server.close(r)));
});

describe('no lost evaluations', () => {
  it('ClickHouse down for 30 s: every queued call gets its verdict afterwards', async () => {
    const worker = await startWorker(workerConfig({ reconcile: { enabled: false } }));
    try {
      const calls = callsOf(400, 'outage');
      await insertCalls(client, DB, calls);
      await clickhouse.stop();
      const downAt = Date.now();
      producer.enqueue(jobsFor(calls));
      await new Promise((r) => setTimeout(r, Number(process.env['OUTAGE_MS'] ?? 30_000)));
      // Jobs kept retrying through the outage; none was given up.
      expect((await queue.getJobCounts('failed'))['failed']).toBe(0);
      await clickhouse.start();
      const upAt = Date.now();
      await eventually(
        async () => ((await verdictsFor('outage')) === calls.length ? true : undefined),
        120_000,
      );
      const caughtUp = Date.now();
      console.log(
        `[evaluation-recovery] outage ${Math.round((upAt - downAt) / 1000)} s; all ${calls.length} verdicts ${Math.round((caughtUp - upAt) / 1000)} s after ClickHouse was back`,
      );
      expect((await queue.getJobCounts('failed'))['failed']).toBe(0);
    } finally {
      await worker.shutdown();
    }
  }, 240_000);

  it('the reconciler queues a sampled call that has no job, and retries one given up', async () => {
    const before = {
      queued: await metric('assay_eval_reconciled_total', { action: 'queued' }),
      retried: await metric('assay_eval_reconciled_total', { action: 'retried' }),
    };
    const worker = await startWorker(
      workerConfig({ reconcile: { interval: '1s', after: '5s', lookback: '1h' } }),
    );
    try {
      // A job given up for good before its call was readable (one attempt only).
      const old = Date.now() - 20_000;
      const [late] = callsOf(1, 'reconciled', old);
      if (!late) throw new Error('no call');
      const [lateJob] = jobsFor([late]);
      await queue.add('evaluate', lateJob, { jobId: evalJobId(late), attempts: 1 });
      await eventually(
        async () => ((await queue.getJobState(evalJobId(late))) === 'failed' ? true : undefined),
        30_000,
      );
      // Sampled calls that were never queued, and the late call, now readable.
      const orphans = callsOf(31, 'reconciled', old).slice(1);
      await insertCalls(client, DB, [...orphans, late]);
      await eventually(async () => ((await verdictsFor('reconciled')) === 31 ? true : undefined), 60_000);
      expect((await metric('assay_eval_reconciled_total', { action: 'queued' })) - before.queued).toBe(30);
      expect((await metric('assay_eval_reconciled_total', { action: 'retried' })) - before.retried).toBe(1);
      await eventually(
        async () => ((await queue.getJobState(evalJobId(late))) === 'completed' ? true : undefined),
        10_000,
      );
    } finally {
      await worker.shutdown();
    }
  }, 120_000);

  it('a job whose data is not JSON is failed as unrecoverable and counted, not left active', async () => {
    const before = await metric('assay_jobs_failed_total', { reason: 'bad_payload' });
    const worker = await startWorker(workerConfig({ reconcile: { enabled: false } }));
    const redis = new Redis(redisUrl);
    try {
      // Delayed a moment, so its data can be broken before a worker fetches it.
      await queue.add('evaluate', { v: 1 }, { jobId: 'call-not-json', delay: 1500 });
      await redis.hset(`${PREFIX}:${EVAL_QUEUE_NAME}:call-not-json`, 'data', '{not json');
      await eventually(
        async () => ((await queue.getJobState('call-not-json')) === 'failed' ? true : undefined),
        15_000,
      );
      expect(await redis.hget(`${PREFIX}:${EVAL_QUEUE_NAME}:call-not-json`, 'failedReason')).toMatch(
        /not JSON/,
      );
      expect((await metric('assay_jobs_failed_total', { reason: 'bad_payload' })) - before).toBe(1);
    } finally {
      redis.disconnect();
      await worker.shutdown();
    }
  }, 60_000);

  it('a 30 s storm of 429s from the judge: the judge verdicts arrive after it', async () => {
    const calls = callsOf(40, 'storm').map((c) => ({
      ...c,
      route: '/api/judged',
      response: 'The capital of France is Paris. It has been the capital since the 10th century.',
      finish_reason: 'stop',
    }));
    await insertCalls(client, DB, calls);
    judge.stormUntil = Date.now() + 30_000;
    judge.throttled = 0;
    const worker = await startWorker(workerConfig({ reconcile: { enabled: false } }), true);
    try {
      producer.enqueue(jobsFor(calls).map((j) => ({ ...j, judge: true, judge_probability: 1 })));
      await eventually(
        async () =>
          (await count(
            `SELECT uniqExact(trace_id, span_id) AS n FROM ${DB}.llm_scores WHERE kind = 'judge' AND service = 'storm'`,
            {},
          )) === calls.length
            ? true
            : undefined,
        150_000,
      );
      const after = Math.round((Date.now() - judge.stormUntil) / 1000);
      console.log(
        `[evaluation-recovery] 429 storm: ${judge.throttled} requests throttled, all ${calls.length} judge verdicts ${after} s after it`,
      );
      expect(judge.throttled).toBeGreaterThan(0);
      expect(await verdictsFor('storm')).toBe(calls.length);
      expect(await metric('assay_judge_breaker_state', { endpoint: 'default' })).toBe(0);
    } finally {
      await worker.shutdown();
    }
  }, 240_000);
});
