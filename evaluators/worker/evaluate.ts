import { inSample } from '../../core/sample-hash.ts';
import type { EvalJob } from '../../core/eval-job.ts';
import { isVerdict, type CheckInput, type CheckPlan, type RelatedCalls } from '../checks/index.ts';
import type { JudgeOutcome, JudgePlan } from '../judges/index.ts';
import { clampScore, clipReason, type ScoreRow } from '../scores/rows.ts';
import type { StoredCall } from './call-loader.ts';
import { checkSeconds, countCheck, workerMetrics } from './metrics.ts';

/** What one evaluator pass over a call produced. */
export interface EvaluationPart {
  rows: ScoreRow[];
  /** Evaluators whose score did not pass, confidently. */
  failed: string[];
}

/** What the cheap checks produced, with the verdicts they were not sure of. */
export interface ChecksPart extends EvaluationPart {
  /** Checks whose verdict was below `min_confidence`, with the judge that can settle each (if any). */
  unsure: Array<{ check: string; escalation?: string | undefined }>;
}

/** A judge the cascade picked for a call, with the probability it was picked with. */
export interface ChosenJudge {
  evaluator: string;
  probability: number;
  /** Run because a check was unsure (every such call is judged), not by the judge mark. */
  escalated?: boolean;
  /** The check an escalated judge settles. */
  settles?: string;
}

/** Salt of the per-rubric judge draw, independent of the sampler's draws. */
const judgeSalt = (evaluator: string): string => `assay-judge:${evaluator}`;

/** What differs between the score rows of one call. */
type RowPart = Omit<
  ScoreRow,
  | 'timestamp'
  | 'trace_id'
  | 'span_id'
  | 'service'
  | 'provider'
  | 'model'
  | 'route'
  | 'agent_name'
  | 'scored_at'
>;

/**
 * One score row of the job's call, every field written out: a row built as `{ ...base, … }`
 * cost about 20 µs on Node 20 (each property written after a spread, about 2 µs), more than all
 * the cheap checks of a call together once a call has 13 rows.
 */
function scoreRow(job: EvalJob, now: number, agentName: string, part: RowPart): ScoreRow {
  return {
    timestamp: job.timestamp,
    trace_id: job.trace_id,
    span_id: job.span_id,
    service: job.service,
    provider: job.provider,
    model: job.model,
    route: job.route,
    agent_name: agentName,
    tool: part.tool,
    evaluator: part.evaluator,
    evaluator_version: part.evaluator_version,
    kind: part.kind,
    score: part.score,
    passed: part.passed,
    confidence: part.confidence,
    outcome: part.outcome,
    reason: part.reason,
    judge_model: part.judge_model,
    input_tokens: part.input_tokens,
    output_tokens: part.output_tokens,
    cost_usd: part.cost_usd,
    sample_weight: part.sample_weight,
    scored_at: now,
  };
}

/**
 * Runs the cheap checks that apply to the call's dimensions. A check returning null is not
 * applicable (no row); a check that throws is a bug in that check: it is counted and skipped so
 * one faulty check cannot wedge the queue.
 */
export function runChecks(
  plan: CheckPlan,
  job: EvalJob,
  call: StoredCall,
  now: number,
  related?: RelatedCalls,
): ChecksPart {
  const input: CheckInput = {
    prompt: call.prompt,
    response: call.response,
    finish_reason: call.finish_reason,
    status: call.status,
    service: job.service,
    provider: job.provider,
    route: job.route,
    model: job.model,
    output_tokens: call.output_tokens,
    trace_id: job.trace_id,
    span_id: job.span_id,
    conversation_id: call.conversation_id,
    agent_name: call.agent_name,
    tool_calls: call.tool_calls,
    tool_definitions: call.tool_definitions,
    content_filter: call.content_filter,
    related,
  };
  const rows: ScoreRow[] = [];
  const failed: string[] = [];
  const unsure: ChecksPart['unsure'] = [];
  const weight = 1 / job.probability;
  for (const check of plan.checksFor(job)) {
    const t0 = performance.now();
    let result;
    try {
      result = check.evaluate(input);
    } catch {
      countCheck(check.id, 'error');
      continue;
    }
    checkSeconds.observe((performance.now() - t0) / 1000);
    if (!isVerdict(result)) {
      countCheck(check.id, 'not_applicable');
      if (result) workerMetrics.notApplicable.inc({ evaluator: check.id, code: result.code });
      continue;
    }
    const sure = result.confidence >= plan.minConfidence;
    const outcome = !sure ? 'unsure' : result.passed ? 'pass' : 'fail';
    countCheck(check.id, outcome === 'unsure' ? 'unsure' : result.passed ? 'passed' : 'failed');
    if (outcome === 'fail') failed.push(check.id);
    if (outcome === 'unsure') unsure.push({ check: check.id, escalation: check.escalation });
    rows.push(
      scoreRow(job, now, call.agent_name, {
        evaluator: check.id,
        evaluator_version: check.version,
        kind: 'check',
        score: clampScore(result.score),
        passed: result.passed ? 1 : 0,
        confidence: clampScore(result.confidence),
        outcome,
        reason: clipReason(result.reason),
        tool: result.tool ?? '',
        judge_model: '',
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: 0,
        sample_weight: weight,
      }),
    );
  }
  return { rows, failed, unsure };
}

/**
 * The cascade: judges run only on calls the sampler marked for judging and that passed every
 * cheap check (an empty or refused answer needs no judge), and each rubric only when a second
 * deterministic draw (salted per rubric) falls under the rubric's probability for the stratum.
 */
export function chooseJudges(
  plan: JudgePlan,
  job: EvalJob,
  checks: Pick<ChecksPart, 'failed' | 'unsure'>,
): ChosenJudge[] {
  if (checks.failed.length > 0) return [];
  const chosen: ChosenJudge[] = [];
  // Escalation: an unsure check is settled by its judge on every call where a judge endpoint
  // applies, whatever the judge mark (the cascade: judges see only what checks cannot decide).
  if (plan.canJudge(job))
    for (const u of checks.unsure)
      if (u.escalation && !chosen.some((c) => c.evaluator === u.escalation))
        chosen.push({ evaluator: u.escalation, probability: 1, escalated: true, settles: u.check });
  if (!job.judge) return chosen;
  const key = `${job.trace_id}-${job.span_id}`;
  for (const j of plan.judgesFor(job))
    if (
      !chosen.some((c) => c.evaluator === j.evaluator) &&
      inSample(key, j.probability, judgeSalt(j.evaluator))
    )
      chosen.push({ evaluator: j.evaluator, probability: j.probability });
  return chosen;
}

/** What the judges' outcomes mean for the call: score rows, failures, and whether to come back later. */
export interface JudgePart extends EvaluationPart {
  /** Checks an escalated judge settled (scored), so they are no longer unsure. */
  settled: string[];
  /** Evaluators the judge runner deferred (breaker open, rate limited); the job is delayed for them. */
  deferred: string[];
  /** Longest `retryAfterMs` among the deferred. */
  retryAfterMs: number;
}

/**
 * Turns judge outcomes into rows. A judge score's weight is the inverse of its full inclusion
 * probability: queue draw × judge mark × rubric draw. Judge failures (malformed output, HTTP
 * errors) are counted and never become scores.
 */
export function judgeRows(
  outcomes: readonly JudgeOutcome[],
  chosen: readonly ChosenJudge[],
  job: EvalJob,
  now: number,
  agentName = '',
): JudgePart {
  const part: JudgePart = { rows: [], failed: [], settled: [], deferred: [], retryAfterMs: 0 };
  for (const o of outcomes) {
    switch (o.kind) {
      case 'scored': {
        const s = o.score;
        const pick = chosen.find((c) => c.evaluator === s.evaluator);
        const p = pick?.probability ?? 1;
        // An escalated judge ran on every unsure call of the queue draw: no judge-mark factor.
        const mark = pick?.escalated ? 1 : job.judge_probability || 1;
        const weight = 1 / (job.probability * mark * (p || 1));
        if (pick?.settles) part.settled.push(pick.settles);
        workerMetrics.evaluations.inc({ evaluator: s.evaluator, outcome: s.passed ? 'passed' : 'failed' });
        if (!s.passed) part.failed.push(s.evaluator);
        part.rows.push(
          scoreRow(job, now, agentName, {
            evaluator: s.evaluator,
            evaluator_version: s.version,
            kind: 'judge',
            score: clampScore(s.score),
            passed: s.passed ? 1 : 0,
            confidence: 1,
            outcome: s.passed ? 'pass' : 'fail',
            reason: clipReason(s.reason),
            tool: '',
            judge_model: s.judge_model,
            input_tokens: s.input_tokens,
            output_tokens: s.output_tokens,
            cost_usd: s.cost_usd,
            sample_weight: weight,
          }),
        );
        break;
      }
      case 'failed':
        workerMetrics.evaluations.inc({ evaluator: o.evaluator, outcome: 'judge_failed' });
        break;
      case 'deferred':
        workerMetrics.evaluations.inc({ evaluator: o.evaluator, outcome: 'deferred' });
        part.deferred.push(o.evaluator);
        part.retryAfterMs = Math.max(part.retryAfterMs, o.retryAfterMs);
        break;
      case 'skipped':
        workerMetrics.evaluations.inc({ evaluator: o.evaluator, outcome: 'skipped' });
        break;
    }
  }
  return part;
}
