import { z } from 'zod';
import { durationSchema } from '../../core/duration.ts';

/**
 * `collector.scores`: scores from outside Assay — `POST /v1/scores` (external evaluators and
 * end-user feedback) and `gen_ai.evaluation.result` log records on `/v1/logs`.
 */
export const scoresConfigSchema = z
  .object({
    /** Serve `POST /v1/scores` and store evaluation events from `/v1/logs`. Default true. */
    enabled: z.boolean().default(true),
    /** Scores in one `POST /v1/scores` request at most (413 above). Default 1000. */
    max_batch: z.number().int().min(1).max(100_000).default(1000),
    /** How often scores waiting for their call are looked up again. Default `10s`. */
    resolve_interval: durationSchema.default(10_000),
    /**
     * How long a score waits for its call to be stored; after that it is marked orphaned (kept
     * in `score_inbox`, counted, not in the rollups). Default `1h`.
     */
    resolve_wait: durationSchema.default(3_600_000),
    /** Waiting scores looked up per resolver pass at most. Default 5000. */
    resolve_batch: z.number().int().min(1).default(5000),
  })
  .strict();

export type ScoresConfig = z.output<typeof scoresConfigSchema>;
