import { z } from 'zod';
import { durationSchema } from '../../core/duration.ts';
import { conversationsConfigSchema } from '../conversations/config.ts';

/**
 * The reconciler: one worker at a time (a Redis lock) looks for calls marked `sampled = 1` that
 * have no row in `call_verdicts` some time after the call, and queues them again under their
 * deterministic job ids (a job given up is retried; a job still waiting is left alone).
 */
export const reconcileConfigSchema = z
  .object({
    /** Run the reconciler in `assay worker`. Default true. */
    enabled: z.boolean().default(true),
    /** Time between runs. Default `1m`. */
    interval: durationSchema.default(60_000),
    /** A call without a verdict this long after its timestamp is looked at. Default `10m`. */
    after: durationSchema.default(600_000),
    /** Calls older than this are no longer looked at (bounds the scan). Default `6h`. */
    lookback: durationSchema.default(21_600_000),
    /** Calls looked at per run at most (queued again, retried or found still pending). Default 1000. */
    max_per_run: z.number().int().min(1).max(100_000).default(1000),
  })
  .strict();

/**
 * The top-level `worker` section: settings of `assay worker`, the queue consumer. Read from
 * `sampling.worker` too for one release (a deprecation warning at start; see cli/config.ts).
 */
export const workerConfigSchema = z
  .object({
    /** Jobs one worker process runs at once: a job waits for its lookup batch and its score batch (about `flush_interval`), not for the CPU, so throughput ≈ concurrency / flush_interval. Default 200. */
    concurrency: z.number().int().min(1).max(2000).default(200),
    /** How long a job's lock lasts before it is considered stalled and recovered. Default `30s`. */
    lock_duration: durationSchema.default(30_000),
    /** Call lookups are collected for this long and read from ClickHouse in one query. Default `15ms`. */
    lookup_window: durationSchema.default(15),
    /** Most keys read in one lookup query (their trace ids travel in the URL). Default 200. */
    lookup_batch: z.number().int().min(1).max(1000).default(200),
    /** Score rows wait at most this long before their batch is inserted (jobs complete after it). Default `250ms`. */
    flush_interval: durationSchema.default(250),
    /** Longest `shutdown` waits for active jobs before closing anyway (they are then recovered as stalled). Default `20s`. */
    shutdown_timeout: durationSchema.default(20_000),
    /**
     * How long a job keeps retrying while what it needs is unavailable (ClickHouse down, the call
     * not readable yet, the score writer full, the judge endpoint throttled or failing), with
     * capped exponential backoff (1 s doubling to 30 s); after it the job is given up (counted in
     * `assay_jobs_failed_total`) and the reconciler may queue it again. Default `1h`.
     */
    retry_for: durationSchema.default(3_600_000),
    /** Times a job may be started (deferrals by the judges included) before judges are given up for it: a safety net under `retry_for`. Default 1000. */
    max_starts: z.number().int().min(1).default(1000),
    /** The reconciler of sampled calls left without a verdict (see `reconcileConfigSchema`). */
    reconcile: reconcileConfigSchema.prefault({}),
    /** Conversation-level judging of closed conversations (see `conversationsConfigSchema`). */
    conversations: conversationsConfigSchema.prefault({}),
    /**
     * The score writers (`llm_scores`, `call_verdicts`, one of each per worker): rows per insert,
     * rows held per table before a job is told to retry later, and the disk spool per table
     * while ClickHouse is unreachable (under `data_dir/spool/llm_scores`).
     */
    writer: z
      .object({
        /** Rows per insert at most. Default 5000. */
        batch_rows: z.number().int().positive().default(5000),
        /** Rows buffered per table before new score rows are refused (the job retries). Default 50000. */
        max_buffered_rows: z.number().int().positive().default(50_000),
        /** Disk spool per table, in bytes. Default 256 MiB. */
        max_spool_bytes: z
          .number()
          .int()
          .positive()
          .default(256 * 1024 ** 2),
      })
      .strict()
      .prefault({}),
    /** How often the learned answer-length quantiles per route (for `length_bounds`) are refreshed. Default `5m`. */
    length_stats_refresh: durationSchema.default(300_000),
  })
  .strict();

export type WorkerConfig = z.output<typeof workerConfigSchema>;
export type ReconcileConfig = z.output<typeof reconcileConfigSchema>;
