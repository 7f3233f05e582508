/**
 * A row of `assay.llm_scores`: one per (call, evaluator). The call's dimensions are copied so
 * dashboards and alerts group without a join; `timestamp` is the CALL's time (rollups bucket by
 * when the call happened), `scored_at` when the worker scored it.
 */
export interface ScoreRow {
  /** The call's start, ms since the epoch. */
  timestamp: number;
  trace_id: string;
  span_id: string;
  service: string;
  provider: string;
  model: string;
  route: string;
  /** Agent that made the call; absent or '' when none. */
  agent_name?: string;
  /** The tool a verdict is about (`tool_call_valid`, `tool_loop`); absent or '' otherwise. */
  tool?: string;
  /** Check id (`empty_response`) or judge evaluator (`judge_relevance`). */
  evaluator: string;
  evaluator_version: string;
  kind: 'check' | 'judge';
  /** In [0, 1]; 1 is good. */
  score: number;
  passed: 0 | 1;
  /** How sure the evaluator was, in [0, 1] (judges: 1). */
  confidence: number;
  /** `pass` / `fail`, or `unsure` (confidence below `evaluators.min_confidence`): kept out of the rates. */
  outcome: 'pass' | 'fail' | 'unsure';
  reason: string;
  /** '' for checks. */
  judge_model: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  /** 1 / (probability this score was sampled with). */
  sample_weight: number;
  scored_at: number;
}

/** A row of `assay.call_verdicts`: one per fully evaluated call. */
export interface VerdictRow {
  timestamp: number;
  trace_id: string;
  span_id: string;
  service: string;
  provider: string;
  model: string;
  route: string;
  /** Agent that made the call; absent or '' when none. */
  agent_name?: string;
  /** Conversation (session, thread) of the call; absent or '' when none (the worst-conversations table). */
  conversation_id?: string;
  status: string;
  /** 1 when any check or judge failed confidently. */
  failed: 0 | 1;
  failed_evaluators: string[];
  /** Checks that were unsure and that no judge settled; a call with some and no failure is kept out of the failure rate. */
  unsure_evaluators: string[];
  sample_weight: number;
}

/** Longest `llm_scores.reason`: short by contract, a judge or a check must not fill the table with essays. */
export const MAX_REASON_CHARS = 300;

/** Clips a reason to {@link MAX_REASON_CHARS} characters (with an ellipsis) without splitting a surrogate pair. */
export function clipReason(reason: string): string {
  if (reason.length <= MAX_REASON_CHARS) return reason;
  let cut = MAX_REASON_CHARS - 1;
  const c = reason.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${reason.slice(0, cut)}…`;
}

/** Scores outside [0, 1] or NaN are a bug in an evaluator; clamp so a rollup is never poisoned. */
export function clampScore(score: number): number {
  if (!Number.isFinite(score)) return 0;
  return Math.min(1, Math.max(0, score));
}
