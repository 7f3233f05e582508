import { z } from 'zod';
import { durationSchema } from '../../core/duration.ts';

/**
 * `collector.durability`: an OTLP request is answered 200 only once it is in a write-ahead log
 * under `data_dir/wal`, replayed into the pipeline after a crash.
 */
export const durabilityConfigSchema = z
  .object({
    /** Keep accepted requests in the write-ahead log before answering 200. Default true. */
    enabled: z.boolean().default(true),
    /**
     * `batch`: requests arriving together share one write and fdatasync (group commit);
     * `always`: one fdatasync per request; `none`: written to the OS, never fsynced (survives a
     * crash of Assay, not of the machine). Default `batch`.
     */
    fsync: z.enum(['always', 'batch', 'none']).default('batch'),
    /** `batch`: how long the first request of a group waits for others to share its fsync. Default `2ms`. */
    group_commit: durationSchema.default(2),
    /** Size of one segment file; settled segments are deleted whole. Default 64 MiB. */
    segment_bytes: z
      .number()
      .int()
      .min(1024 * 1024)
      .default(64 * 1024 ** 2),
    /** Bytes of log at most; beyond it requests are answered 429 with Retry-After. Default 2 GiB. */
    max_bytes: z
      .number()
      .int()
      .positive()
      .default(2 * 1024 ** 3),
  })
  .strict();

export type DurabilityConfig = z.output<typeof durabilityConfigSchema>;
