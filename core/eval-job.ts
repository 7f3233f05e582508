import { z } from 'zod';

const hex = (len: number) => z.string().regex(new RegExp(`^[0-9a-f]{${len}}$`));
const probability = z.number().gt(0).max(1);

/**
 * The payload of one evaluation job on the `assay-evaluations` queue: the contract between the
 * collector (producer) and `assay worker` (consumer), validated with zod by the worker.
 *
 * It carries only the call's KEY (trace id, span id, timestamp), its dimensions and the sampling
 * probabilities — never the prompt or the answer. Job data is stored in clear text in Redis
 * (and kept there after completion for a while), prompts and answers are sensitive and can be
 * large, and Redis memory is the queue's scarcest resource. The worker reads the text from
 * `assay.llm_calls` by key; the timestamp bounds that lookup to one partition.
 */
export const evalJobSchema = z
  .object({
    /** Payload version; a change of shape is a new literal, and old workers reject it as permanent. */
    v: z.literal(1),
    trace_id: hex(32),
    span_id: hex(16),
    /** The call's start, ms since the epoch (as in `llm_calls.timestamp`). */
    timestamp: z.number().int().nonnegative(),
    service: z.string(),
    provider: z.string(),
    model: z.string(),
    route: z.string(),
    /** Probability the sampler queued this call with (1 for floor picks); scores carry `sample_weight = 1 / probability`. */
    probability,
    /** The sampler marked the call for judging (the worker's cascade still applies). */
    judge: z.boolean(),
    /** Probability of that judge mark; 0 when not marked. */
    judge_probability: z.number().min(0).max(1),
    /**
     * Set on the jobs of a re-evaluation (`assay evaluate`): score the call again with the
     * worker's current evaluators, keep only the rows of `evaluators` (every evaluator when
     * empty), and write no `call_verdicts` row (the call's verdict stays the one of its first
     * evaluation). Absent on the collector's jobs.
     */
    rerun: z
      .object({ evaluators: z.array(z.string().regex(/^[a-z0-9_]{1,64}$/)).max(64) })
      .strict()
      .optional(),
  })
  .strict();

export type EvalJob = z.output<typeof evalJobSchema>;

/** The BullMQ queue every producer and worker uses. */
export const EVAL_QUEUE_NAME = 'assay-evaluations';

/** BullMQ job name of an evaluation job. */
export const EVAL_JOB_NAME = 'evaluate';

/**
 * The job id: derived from the call so a call is never queued twice (BullMQ ignores an add with
 * an existing id). BullMQ forbids ':' and all-digit custom ids; this has neither.
 */
export function evalJobId(job: Pick<EvalJob, 'trace_id' | 'span_id'>): string {
  return `call-${job.trace_id}-${job.span_id}`;
}

/**
 * The job id of a re-evaluation's job: derived from the call and from the evaluator set (ids and
 * versions, hashed by the caller into `setKey`), so re-enqueueing a page after a crash, or a second
 * run of the same versions, adds nothing to the queue while a run with new versions does.
 */
export function rerunJobId(setKey: string, job: Pick<EvalJob, 'trace_id' | 'span_id'>): string {
  return `re-${setKey}-${job.trace_id}-${job.span_id}`;
}
