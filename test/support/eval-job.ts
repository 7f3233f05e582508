/**
 * An evaluation job and the stored call it points at, as the worker sees them: one place that
 * knows every field, for the worker's unit tests and the benches. Each caller states only what
 * its case is about.
 */
import type { EvalJob } from '../../core/eval-job.ts';
import type { StoredCall } from '../../evaluators/worker/call-loader.ts';

/** A sampled, unjudged job for one call of `shop`'s `/chat` route. */
export function evalJob(over: Partial<EvalJob> = {}): EvalJob {
  return {
    v: 1,
    trace_id: 'ab'.repeat(16),
    span_id: 'cd'.repeat(8),
    timestamp: 1_700_000_000_000,
    service: 'shop',
    provider: 'openai',
    model: 'gpt-4o-mini',
    route: '/chat',
    probability: 1,
    judge: false,
    judge_probability: 0,
    ...over,
  };
}

/** The call `job` points at, as the call loader returns it: a short answer, no tools. */
export function storedCall(
  job: Pick<EvalJob, 'trace_id' | 'span_id'>,
  over: Partial<StoredCall> = {},
): StoredCall {
  return {
    trace_id: job.trace_id,
    span_id: job.span_id,
    prompt: 'user: capital of France?',
    response: 'Paris is the capital of France.',
    finish_reason: 'stop',
    status: 'ok',
    output_tokens: 8,
    conversation_id: '',
    agent_name: '',
    tool_calls: '',
    tool_definitions: '',
    content_filter: '',
    ...over,
  };
}
