import type { ClickHouseClient } from '@clickhouse/client';
import { Queue, UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { RedisConfig } from '../../core/redis-config.ts';
import type { WorkerConfig } from './config.ts';
import { EVAL_QUEUE_NAME } from '../../core/eval-job.ts';
import type { Logger } from '../../core/logger.ts';
import type { CheckDeps, CheckPlan } from '../checks/index.ts';
import type { JudgeRunner } from '../judges/index.ts';
import { startConversationCloser, type ConversationJudge } from '../conversations/index.ts';
import {
  EVAL_BACKOFF_TYPE,
  evalBackoff,
  queueDepth,
  queueDepthGauge,
} from '../../core/eval-queue-options.ts';
import { assertNoEviction, connectRedis } from '../../core/queue-redis.ts';
import type { RedisTarget } from '../../core/redis-client.ts';
import type { ScoreRow } from '../scores/rows.ts';
import { createScoreWriters } from '../scores/writer.ts';
import { createCallLoader } from './call-loader.ts';
import { createRelatedLoader } from './related-loader.ts';
import { createRouteTraceStats } from './trace-stats.ts';
import { EvalWorker } from './eval-worker.ts';
import { failureReason } from './errors.ts';
import { createRouteLengthStats } from './length-stats.ts';
import { workerMetrics } from './metrics.ts';
import { createProcessor } from './processor.ts';
import { startReconciler } from './reconciler.ts';

export interface EvaluationWorkerDeps {
  /** Only the sections the worker reads: its own (`worker`) and the queue's Redis prefix. */
  config: { worker: WorkerConfig; redis: Pick<RedisConfig, 'prefix'> };
  clickhouse: ClickHouseClient;
  database: string;
  /** The queue's Redis: a URL, or the `redis` section (one server or a cluster). */
  redis: RedisTarget;
  logger: Logger;
  /** The cheap-check plan, or a factory given the worker's `CheckDeps` (learned answer-length stats). */
  checks: CheckPlan | ((deps: CheckDeps) => CheckPlan);
  judges: JudgeRunner | null;
  /** The conversation judge; with it (and `worker.conversations.enabled`) the worker runs the conversation closer. */
  conversationJudge?: ConversationJudge | null;
  /** Disk spools of the score writers (`llm_scores/`, `call_verdicts/` under it). */
  spoolDir: string;
  /** Called with every batch of score rows written (the `score_export`). Default none. */
  onScoresWritten?: (rows: ScoreRow[]) => void;
}

export interface EvaluationWorker {
  /**
   * Stops taking jobs, waits for the active ones up to `deadlineMs` (default
   * `worker.shutdown_timeout`), then force-closes — jobs cut off are recovered as
   * stalled by another worker — and flushes the score writers. Idempotent.
   */
  shutdown(deadlineMs?: number): Promise<void>;
}

/** Longest the start waits for the first read of the routes' learned stats. */
const STATS_WAIT_MS = 10_000;

/**
 * `assay worker`: the BullMQ consumer of `assay-evaluations`. Scores each sampled call with the
 * cheap checks and (cascade) the judges, and writes `llm_scores` and `call_verdicts` rows
 * idempotently. Fails at start with a clear error when Redis may evict keys.
 */
export async function createEvaluationWorker(deps: EvaluationWorkerDeps): Promise<EvaluationWorker> {
  const wc = deps.config.worker;
  const redis = await connectRedis(deps.redis, 'worker');
  try {
    await assertNoEviction(redis);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const traceStats = createRouteTraceStats({
    client: deps.clickhouse,
    database: deps.database,
    refreshMs: wc.length_stats_refresh,
    logger: deps.logger,
  });
  const lengthStats = createRouteLengthStats({
    client: deps.clickhouse,
    database: deps.database,
    refreshMs: wc.length_stats_refresh,
    logger: deps.logger,
  });
  // The first jobs after a start are checked as every later one: with the routes' learned stats
  // (length_bounds, tool_loop), not without them while the first read is under way. A read that
  // hangs does not hold the start for longer than STATS_WAIT_MS.
  await Promise.race([
    Promise.all([lengthStats.ready, traceStats.ready]),
    new Promise((r) => setTimeout(r, STATS_WAIT_MS).unref()),
  ]);
  const checks =
    typeof deps.checks === 'function'
      ? deps.checks({
          routeLengthStats: (r) => lengthStats.get(r),
          routeTraceStats: (r) => traceStats.get(r),
        })
      : deps.checks;
  const writers = createScoreWriters({
    client: deps.clickhouse,
    database: deps.database,
    spoolDir: deps.spoolDir,
    flushIntervalMs: wc.flush_interval,
    batchRows: wc.writer.batch_rows,
    maxBufferedRows: wc.writer.max_buffered_rows,
    maxSpoolBytes: wc.writer.max_spool_bytes,
    logger: deps.logger,
    onScoresWritten: deps.onScoresWritten,
  });
  const loader = createCallLoader({
    client: deps.clickhouse,
    database: deps.database,
    windowMs: wc.lookup_window,
    maxBatch: wc.lookup_batch,
  });
  const process = createProcessor({
    loader,
    related: createRelatedLoader({
      client: deps.clickhouse,
      database: deps.database,
      windowMs: wc.lookup_window,
      maxBatch: wc.lookup_batch,
    }),
    checks,
    judges: deps.judges,
    writers,
    maxStarts: wc.max_starts,
    retryForMs: wc.retry_for,
  });
  const worker = new EvalWorker(EVAL_QUEUE_NAME, (job: Job, token?: string) => process(job, token), {
    connection: redis,
    prefix: deps.config.redis.prefix,
    concurrency: wc.concurrency,
    lockDuration: wc.lock_duration,
    // Check for stalled jobs as often as a lock can expire, so a killed worker's jobs come back
    // within about two lock periods; a job may stall twice (two kills) before it is failed.
    stalledInterval: wc.lock_duration,
    maxStalledCount: 2,
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string) => {
        if (type === EVAL_BACKOFF_TYPE) return evalBackoff(attemptsMade);
        throw new Error(`unknown backoff type ${type}`);
      },
    },
  });
  attachEvents(worker, deps.logger);
  const queue = new Queue(EVAL_QUEUE_NAME, { connection: redis, prefix: deps.config.redis.prefix });
  queue.on('error', () => undefined); // the worker's 'error' handler reports connection trouble
  const depthTimer = setInterval(() => void refreshDepth(queue), 5000);
  depthTimer.unref();
  const reconciler = wc.reconcile.enabled
    ? startReconciler({
        config: wc.reconcile,
        clickhouse: deps.clickhouse,
        database: deps.database,
        redis,
        queue,
        prefix: deps.config.redis.prefix,
        logger: deps.logger,
      })
    : undefined;
  const closer =
    wc.conversations.enabled && deps.conversationJudge
      ? startConversationCloser({
          config: wc.conversations,
          clickhouse: deps.clickhouse,
          database: deps.database,
          redis,
          prefix: deps.config.redis.prefix,
          judge: deps.conversationJudge,
          logger: deps.logger,
        })
      : undefined;
  deps.logger.info({ concurrency: wc.concurrency, queue: EVAL_QUEUE_NAME }, 'evaluation worker consuming');

  let closed: Promise<void> | undefined;
  return {
    shutdown: (deadlineMs = wc.shutdown_timeout) =>
      (closed ??= (async () => {
        clearInterval(depthTimer);
        await reconciler?.shutdown();
        deps.conversationJudge?.shutdown();
        await closer?.shutdown();
        const graceful = worker.close().then(() => true);
        const timedOut = new Promise<boolean>((r) => setTimeout(() => r(false), deadlineMs).unref());
        if (!(await Promise.race([graceful, timedOut]))) {
          deps.logger.warn(
            { deadlineMs },
            'active evaluation jobs did not finish in time; they will be recovered as stalled',
          );
          await worker.close(true).catch(() => undefined);
        }
        lengthStats.shutdown();
        traceStats.shutdown();
        await queue.close().catch(() => undefined);
        await writers.shutdown();
        await redis.quit().catch(() => redis.disconnect());
      })()),
  };
}

function attachEvents(worker: Worker, logger: Logger): void {
  let lastErrorLog = 0;
  worker.on('completed', () => workerMetrics.processed.inc({ outcome: 'completed' }));
  worker.on('failed', (job: Job | undefined, err: Error) => {
    const final = !job || err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    workerMetrics.processed.inc({ outcome: final ? 'failed' : 'retried' });
    if (final) workerMetrics.failed.inc({ reason: job ? failureReason(err) : 'stalled' });
  });
  worker.on('error', (err) => {
    // Connection trouble repeats every poll; say it once a minute, not per attempt.
    if (Date.now() - lastErrorLog < 60_000) return;
    lastErrorLog = Date.now();
    logger.warn({ err }, 'evaluation worker error');
  });
}

async function refreshDepth(queue: Queue): Promise<void> {
  try {
    queueDepthGauge.set(await queueDepth(queue));
  } catch {
    // The gauge keeps its last value; the next tick tries again.
  }
}
