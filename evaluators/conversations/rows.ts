import type { ConversationRubric } from '../judges/conversation-rubrics.ts';
import type { JudgeOutcome } from '../judges/types.ts';
import type { ClosedConversation } from './queries.ts';

/** One `assay.conversation_scores` row (migration 0011). Times are epoch ms. */
export interface ConversationScoreRow {
  timestamp: number;
  started_at: number;
  service: string;
  conversation_id: string;
  provider: string;
  model: string;
  route: string;
  agent_name: string;
  trace_id: string;
  trace_ids: string[];
  turns: number;
  truncated: number;
  evaluator: string;
  evaluator_version: string;
  score: number;
  passed: number;
  outcome: 'pass' | 'fail' | 'error' | 'not_applicable';
  reason: string;
  judge_model: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  sample_weight: number;
  scored_at: number;
}

/** Trace ids kept per row: enough to open the conversation, bounded. */
const MAX_TRACE_IDS = 50;

/**
 * The rows of one judged conversation, one per rubric: a verdict, or — so the conversation is not
 * asked about again — the judge's failure (`error`) or why it does not apply (`not_applicable`).
 * The weight is the conversation's calls' sampling weight divided by `sample_rate`.
 */
export function rowsOf(
  c: ClosedConversation,
  rubrics: readonly ConversationRubric[],
  outcomes: readonly JudgeOutcome[],
  truncated: boolean,
  sampleRate: number,
  scoredAt: number,
): ConversationScoreRow[] {
  const traces = [...new Set(c.calls.map((k) => k.trace_id))];
  const base = {
    timestamp: c.lastTs,
    started_at: c.calls[0]?.ts ?? c.lastTs,
    service: c.dims.service,
    conversation_id: c.conversationId,
    provider: c.dims.provider,
    model: c.dims.model,
    route: c.dims.route,
    agent_name: c.agentName,
    trace_id: traces.at(-1) ?? '',
    trace_ids: traces.slice(-MAX_TRACE_IDS),
    turns: c.calls.length,
    truncated: truncated ? 1 : 0,
    sample_weight: c.callWeight / (sampleRate > 0 ? sampleRate : 1),
    scored_at: scoredAt,
  };
  return rubrics.map((rubric, i) => {
    const o = outcomes[i];
    const none = { score: 0, passed: 0, judge_model: '', input_tokens: 0, output_tokens: 0, cost_usd: 0 };
    const head = { ...base, evaluator: rubric.evaluator, evaluator_version: rubric.version };
    if (o?.kind === 'scored')
      return {
        ...head,
        score: o.score.score,
        passed: o.score.passed ? 1 : 0,
        outcome: o.score.passed ? 'pass' : 'fail',
        reason: o.score.reason,
        judge_model: o.score.judge_model,
        input_tokens: o.score.input_tokens,
        output_tokens: o.score.output_tokens,
        cost_usd: o.score.cost_usd,
      };
    if (o?.kind === 'failed')
      return { ...head, ...none, outcome: 'error', reason: `judge failed: ${o.reason}` };
    return {
      ...head,
      ...none,
      outcome: 'not_applicable',
      reason: 'no judge rule or endpoint applies, or the transcript is empty',
    };
  });
}
