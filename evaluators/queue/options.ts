import type { JobsOptions } from 'bullmq';
import { gauge } from '../../core/metrics.ts';

/**
 * Options of every evaluation job. A failed attempt (call row not yet readable, ClickHouse or
 * the score writer unavailable) is retried with exponential backoff and jitter: about 1, 2, 4,
 * 8 s. Finished jobs are kept a while (so a late duplicate add of the same call is still
 * recognised by its id) but bounded, because BullMQ keeps them forever by default.
 */
export const EVAL_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
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
