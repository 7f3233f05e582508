import type { EvalJob } from '../core/eval-job.ts';
import type { LlmCall } from '../core/llm-call.ts';
import type { SamplingDecision } from './sampling/index.ts';

/**
 * The queue job for a written, sampled call. The decision normally travels from the sampler;
 * a call replayed from the disk spool after a restart has lost it, and is then evaluated with
 * the checks only, weighted as if taken with certainty.
 */
export function jobFromCall(call: LlmCall, decision: SamplingDecision | undefined): EvalJob {
  return {
    v: 1,
    trace_id: call.trace_id,
    span_id: call.span_id,
    timestamp: call.timestamp,
    service: call.service,
    provider: call.provider,
    model: call.model,
    route: call.route,
    probability: decision?.probability ?? 1,
    judge: decision?.judge ?? false,
    judge_probability: decision?.judgeProbability ?? 0,
  };
}
