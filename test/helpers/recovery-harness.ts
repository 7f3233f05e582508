/**
 * What the evaluation-recovery tests share: a real Redis, an `assay clickhouse` process the test
 * can stop and start, the schema migrated, a producer and a queue handle, and a fake
 * OpenAI-compatible judge that answers 429 during a storm. Each test file gets its own (its own
 * ports, data directory, database and queue prefix), so two files run side by side.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { Queue } from 'bullmq';
import { afterAll, beforeAll } from 'vitest';
import { redactionConfigSchema } from '../../collector/config.ts';
import { createRedactor } from '../../collector/normalise/redaction.ts';
import { parseConfig, type AssayConfigInput } from '../../cli/config.ts';
import { EVAL_QUEUE_NAME } from '../../core/eval-job.ts';
import { silentLogger } from '../../core/logger.ts';
import { registry } from '../../core/metrics.ts';
import { createCheckPlan } from '../../evaluators/checks/index.ts';
import {
  createJudgeRunner,
  createMemoryJudgeCache,
  createMemorySpendLedger,
} from '../../evaluators/judges/index.ts';
import { createEvalProducer, type EvalProducer } from '../../intake/producer.ts';
import { createEvaluationWorker, type EvaluationWorker } from '../../evaluators/worker/index.ts';
import { createClickhouseClient } from '../../storage/client.ts';
import { migrate } from '../../storage/migrate.ts';
import { makeCall } from '../fixtures/eval-calls.ts';
import { ClickhouseProcess } from './clickhouse-process.ts';
import { startTestRedis } from './redis.ts';

const PASSWORD = 'recovery-test-password';

/** The fake judge: 429 with `Retry-After: 1` until `stormUntil`, then a passing verdict. */
export interface FakeJudge {
  url: string;
  stormUntil: number;
  requests: number;
  throttled: number;
}

export interface RecoveryHarness {
  readonly db: string;
  readonly prefix: string;
  readonly redisUrl: string;
  readonly client: ClickHouseClient;
  readonly clickhouse: ClickhouseProcess;
  readonly producer: EvalProducer;
  readonly queue: Queue;
  readonly judge: FakeJudge;
  workerConfig(over?: AssayConfigInput['worker']): ReturnType<typeof parseConfig>;
  startWorker(config: ReturnType<typeof parseConfig>, withJudges?: boolean): Promise<EvaluationWorker>;
  count(query: string, params: Record<string, unknown>): Promise<number>;
  /** Calls of one test carry their own service name (a list of keys would not fit in the URL). */
  verdictsFor(service: string): Promise<number>;
  callsOf(n: number, service: string, at?: number): Array<ReturnType<typeof makeCall>>;
  metric(name: string, labels: Record<string, string>): Promise<number>;
}

/** Sets up the harness for one test file (before its tests, torn down after them). */
export function useRecoveryHarness(name: string): RecoveryHarness {
  const db = `assay_${name.replace(/-/g, '_')}`;
  const prefix = name;
  const dir = mkdtempSync(join(tmpdir(), `assay-${name}-`));
  const stops: Array<() => Promise<unknown>> = [];
  const judge: FakeJudge = { url: '', stormUntil: 0, requests: 0, throttled: 0 };
  let clickhouse: ClickhouseProcess | undefined;
  let client: ClickHouseClient | undefined;
  let redisUrl = '';
  let producer: EvalProducer | undefined;
  let queue: Queue | undefined;
  const ready = <T>(what: string, v: T | undefined): T => {
    if (v === undefined) throw new Error(`${what} is not started yet`);
    return v;
  };

  beforeAll(async () => {
    const redis = await startTestRedis();
    stops.push(() => redis.shutdown());
    redisUrl = redis.url;
    const ch = await ClickhouseProcess.inDir(dir, PASSWORD);
    clickhouse = ch;
    await ch.start();
    stops.push(() => ch.stop());
    const c = createClickhouseClient(parseConfig({ clickhouse: { password: PASSWORD } }).clickhouse, ch.url);
    client = c;
    stops.push(() => c.close());
    await migrate(c, { database: db, ttlDays: 30, logger: silentLogger });
    const p = await createEvalProducer({ redis: redisUrl, prefix, logger: silentLogger });
    producer = p;
    stops.push(() => p.shutdown());
    const q = new Queue(EVAL_QUEUE_NAME, { connection: { url: redisUrl }, prefix });
    queue = q;
    stops.push(() => q.close());

    const server: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        judge.requests++;
        if (Date.now() < judge.stormUntil) {
          judge.throttled++;
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
          return res.end(JSON.stringify({ error: { message: 'rate limited', type: 'rate_limit' } }));
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        const content = JSON.stringify({
          score: 0.9,
          verdict: 'pass',
          reasoning: 'It answers the question.',
        });
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
    judge.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    stops.push(() => new Promise((r) => server.close(r)));
  });

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async (query: string, params: Record<string, unknown>): Promise<number> => {
    const rs = await ready('ClickHouse', client).query({
      query,
      query_params: params,
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: string | number }>();
    return Number(row?.n ?? 0);
  };

  return {
    db,
    prefix,
    judge,
    get redisUrl() {
      return redisUrl;
    },
    get client() {
      return ready('ClickHouse', client);
    },
    get clickhouse() {
      return ready('ClickHouse process', clickhouse);
    },
    get producer() {
      return ready('producer', producer);
    },
    get queue() {
      return ready('queue', queue);
    },
    workerConfig(over = {}) {
      return parseConfig({
        data_dir: dir,
        redis: { url: redisUrl, prefix },
        clickhouse: { url: ready('ClickHouse process', clickhouse).url, database: db, password: PASSWORD },
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
    },
    async startWorker(config, withJudges = false) {
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
        clickhouse: ready('ClickHouse', client),
        database: db,
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
    },
    count,
    verdictsFor: (service) =>
      count(`SELECT uniqExact(trace_id, span_id) AS n FROM ${db}.call_verdicts WHERE service = {s:String}`, {
        s: service,
      }),
    callsOf: (n, service, at) =>
      Array.from({ length: n }, (_, i) => ({ ...makeCall(i, service, at), service })),
    async metric(metricName, labels) {
      const m = await registry.getSingleMetric(metricName)?.get();
      return m?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
    },
  };
}
