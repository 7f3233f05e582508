import type { JobsOptions, Queue } from 'bullmq';
import { gauge } from './metrics.ts';
import { classifyRedisError } from './queue-redis.ts';
import { backoffDelay, sleep } from './retry.ts';

/** The backoff type of evaluation jobs: `evalBackoff` below, registered by every worker. */
export const EVAL_BACKOFF_TYPE = 'assay_capped';

/** Retry delays of a failed attempt: 1 s doubling, capped at 30 s, ±50 % jitter. */
export const EVAL_BACKOFF = { initialMs: 1000, maxMs: 30_000, jitter: 0.5 } as const;

/** BullMQ backoff strategy for `EVAL_BACKOFF_TYPE` (BullMQ's exponential one has no cap). */
export const evalBackoff = (attemptsMade: number): number =>
  backoffDelay(Math.max(0, attemptsMade - 1), EVAL_BACKOFF);

/**
 * Options of every evaluation job. A failed attempt (call row not yet readable, ClickHouse or
 * the score writer unavailable) is retried with capped exponential backoff; the bound is a time,
 * `worker.retry_for`, enforced by the processor, so `attempts` only has to be out of
 * reach. Finished jobs are kept a while (so a late duplicate add of the same call is still
 * recognised by its id) but bounded, because BullMQ keeps them forever by default.
 */
export const EVAL_JOB_OPTIONS = {
  attempts: 100_000,
  backoff: { type: EVAL_BACKOFF_TYPE },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 86_400, count: 10_000 },
} as const satisfies JobsOptions;

/** Job states counted as queue depth: everything not yet finished. */
export const DEPTH_STATES = ['waiting', 'delayed', 'prioritized', 'active'] as const;

/** `assay_queue_depth`: last depth read from Redis by a producer or worker. */
export const queueDepthGauge = gauge({
  name: 'assay_queue_depth',
  help: 'Evaluation jobs waiting, delayed or active (cached, refreshed about once a second)',
});

/** Jobs not yet finished (`DEPTH_STATES`) on the queue, read from Redis. */
export async function queueDepth(queue: Pick<Queue, 'getJobCounts'>): Promise<number> {
  const counts = await queue.getJobCounts(...DEPTH_STATES);
  return DEPTH_STATES.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
}

/**
 * `addBulk`, tried up to `attempts` times with capped backoff (from 200 ms) while Redis errors
 * are retryable (a failover, a dropped connection); the last error is thrown.
 */
export async function addBulkRetrying(
  queue: Pick<Queue, 'addBulk'>,
  bulk: Parameters<Queue['addBulk']>[0],
  retry: { attempts: number; maxMs: number },
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await queue.addBulk(bulk);
      return;
    } catch (err) {
      if (attempt + 1 >= retry.attempts || classifyRedisError(err) === 'permanent') throw err;
      await sleep(backoffDelay(attempt, { initialMs: 200, maxMs: retry.maxMs }));
    }
  }
}
