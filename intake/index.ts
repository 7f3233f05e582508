/**
 * The evaluation intake: the stage between the collector and the evaluators. It owns the
 * sampler (with its deterministic hash and the judge mark), the queue job contract's builder and
 * the producer; the collector calls only {@link EvaluationIntake}: decide while a call is
 * normalised, hand over what the writer stored, shut down.
 */
import type { Dimensions } from '../core/selector.ts';
import { callKey, type LlmCall } from '../core/llm-call.ts';
import type { Logger } from '../core/logger.ts';
import type { RedisTarget } from '../core/redis-client.ts';
import { counter } from '../core/metrics.ts';
import { jobFromCall } from './eval-jobs.ts';
import { createEvalProducer, type EvalProducer } from './producer.ts';
import type { SamplingConfig } from './sampling/config.ts';
import { createSampler, type SamplingDecision } from './sampling/index.ts';

export interface EvaluationIntake {
  /** Whether the call about to be stored is evaluated; the decision is kept until it is written. */
  decide(call: LlmCall): boolean;
  /** Calls the writer stored (or spooled): the sampled ones are queued, with their decisions. */
  written(rows: readonly LlmCall[]): void;
  /** Waits for jobs in flight, then closes the queue. Idempotent. */
  shutdown(): Promise<void>;
}

export interface EvaluationIntakeDeps {
  /** The queue's Redis: a URL, or the `redis` section (one server or a cluster). */
  redis: RedisTarget;
  /** BullMQ key prefix (`redis.prefix`). */
  prefix: string;
  sampling: SamplingConfig;
  /** The judge-mark probability per stratum (from the judges' rules; 0 when judges are off). */
  judgeProbability: (dims: Dimensions) => number;
  /**
   * Decisions kept for calls sampled but not yet written, at most (the writer's buffer bounds
   * them in practice). Past it the oldest is dropped and counted; its call is then queued
   * without its decision (checks only, weight 1).
   */
  maxPending: number;
  logger: Logger;
  /** The queue producer; default: one connected to `redis` (tests inject an in-memory one). */
  producer?: EvalProducer;
}

const droppedDecisions = counter({
  name: 'assay_intake_decisions_dropped_total',
  help: 'Sampling decisions dropped because more calls waited for their write than the intake keeps (their calls are queued without their judge mark and weight)',
});

/** Connects the producer and builds the sampler over its queue depth. */
export async function createEvaluationIntake(deps: EvaluationIntakeDeps): Promise<EvaluationIntake> {
  const producer: EvalProducer =
    deps.producer ??
    (await createEvalProducer({ redis: deps.redis, prefix: deps.prefix, logger: deps.logger }));
  const sampler = createSampler(deps.sampling, {
    queueDepth: () => producer.depth(),
    judgeProbability: deps.judgeProbability,
  });
  const pending = new Map<string, SamplingDecision>();
  return {
    decide(call) {
      const decision = sampler.decide(call);
      if (!decision.sampled) return false;
      if (pending.size >= deps.maxPending) {
        // Maps iterate in insertion order: the first key is the oldest decision.
        const oldest = pending.keys().next().value;
        if (oldest !== undefined) pending.delete(oldest);
        droppedDecisions.inc();
      }
      pending.set(callKey(call), decision);
      return true;
    },
    written(rows) {
      const jobs = [];
      for (const row of rows) {
        if (row.sampled !== 1) continue;
        const key = callKey(row);
        const decision = pending.get(key);
        pending.delete(key);
        jobs.push(jobFromCall(row, decision));
      }
      if (jobs.length) producer.enqueue(jobs);
    },
    shutdown: () => producer.shutdown(),
  };
}
