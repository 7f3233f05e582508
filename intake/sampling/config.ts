import { z } from 'zod';
import { selectorSchema } from '../../core/selector.ts';

const probability = z.number().min(0).max(1);

/** One stratum rule: calls matching `match` are sampled at `rate` with a per-minute floor. */
export const samplingStratumSchema = z
  .object({
    /** Which calls this rule covers (globs on service, provider, route, model). Absent → all. */
    match: selectorSchema.optional(),
    /** Probability a matching call is queued for evaluation. Default: `sampling.rate`. */
    rate: probability.optional(),
    /**
     * The first N calls of each (service, provider, route, model) per minute are queued even when
     * the hash says no, so a quiet route is still evaluated. Default: `sampling.floor_per_minute`.
     */
    floor_per_minute: z.number().int().min(0).optional(),
    /** Probability a queued call is also marked for judging. Default: the judges' rule, else `sampling.judge_rate`. */
    judge_rate: probability.optional(),
  })
  .strict();

/**
 * The `sampling` section: which written calls are queued for evaluation, and the budget that
 * keeps the queue and the judge bill bounded. Owned by `intake/sampling/`.
 */
export const samplingConfigSchema = z
  .object({
    /** Probability a call is queued when no stratum rule matches. Cheap checks cost microseconds, so default 1. */
    rate: probability.default(1),
    /** Calls queued per minute per collector replica at most; beyond, samples are shed and counted. Default 6000. */
    max_per_minute: z.number().int().min(0).default(6000),
    /** Queue depth (waiting + delayed + prioritized + active) above which new samples are shed. Default 50000. */
    max_queue_depth: z.number().int().min(0).default(50_000),
    /** Default floor of queued calls per stratum per minute (see `strata[].floor_per_minute`). Default 0. */
    floor_per_minute: z.number().int().min(0).default(0),
    /** Probability a queued call is also marked for judging, when no stratum or judge rule says otherwise. Default 0.02. */
    judge_rate: probability.default(0.02),
    /**
     * Share of `max_per_minute` after which calls are no longer marked for judging (judge work is
     * shed before check work). Default 0.8.
     */
    judge_cap_share: probability.default(0.8),
    /** Distinct strata tracked for floors per minute (memory bound); beyond, new strata get no floor. Default 10000. */
    max_strata: z.number().int().min(1).default(10_000),
    /** Stratum rules, first match wins. Default none (every call at `rate`). */
    strata: z.array(samplingStratumSchema).default([]),
  })
  .strict();

export type SamplingConfig = z.output<typeof samplingConfigSchema>;
export type SamplingStratum = z.output<typeof samplingStratumSchema>;
