import { inSample } from '../../collector/sampling/hash.ts';
import type { EvalJob } from '../../core/eval-job.ts';
import type { CheckInput, CheckPlan } from '../checks/index.ts';
import type { JudgeOutcome, JudgePlan } from '../judges/index.ts';
import { clampReason, clampScore, type ScoreRow } from '../scores/rows.ts';
import type { StoredCall } from './call-loader.ts';
import { workerMetrics } from './metrics.ts';

/** What one evaluator pass over a call produced. */
export interface EvaluationPart {
  rows: ScoreRow[];
  /** Evaluators whose score did not pass. */
  failed: string[];
}

/** A judge the cascade picked for a call, with the probability it was picked with. */
export interface ChosenJudge {
  evaluator: string;
  probability: number;
}

/** Salt of the per-rubric judge draw, independent of the sampler's draws. */
const judgeSalt = (evaluator: string): string => `assay-judge:${evaluator}`;

function baseRow(
  job: EvalJob,
  now: number,
): Omit<ScoreRow, 'evaluator' | 'evaluator_version' | 'kind' | 'score' | 'passed' | 'reason'> {
  return {
    timestamp: job.timestamp,
    trace_id: job.trace_id,
    span_id: job.span_id,
    service: job.service,
    provider: job.provider,
    model: job.model,
    route: job.route,
    judge_model: '',
    input_tokens: 0,
    output_tokens: 0,
    cost_usd: 0,
    sample_weight: 1 / job.probability,
    scored_at: now,
  };
}

/**
 * Runs the cheap checks that apply to the call's dimensions. A check returning null is not
 * applicable (no row); a check that throws is a bug in that check: it is counted and skipped so
 * one faulty check cannot wedge the queue.
 */
export function runChecks(plan: CheckPlan, job: EvalJob, call: StoredCall, now: number): EvaluationPart {
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
  };
  const rows: ScoreRow[] = [];
  const failed: string[] = [];
  const base = baseRow(job, now);
  for (const check of plan.checksFor(job)) {
    const t0 = performance.now();
    let result;
    try {
      result = check.evaluate(input);
    } catch {
      workerMetrics.evaluations.inc({ evaluator: check.id, outcome: 'error' });
      continue;
    }
    workerMetrics.seconds.observe({ kind: 'check' }, (performance.now() - t0) / 1000);
    if (!result) {
      workerMetrics.evaluations.inc({ evaluator: check.id, outcome: 'not_applicable' });
      continue;
    }
    workerMetrics.evaluations.inc({ evaluator: check.id, outcome: result.passed ? 'passed' : 'failed' });
    if (!result.passed) failed.push(check.id);
    rows.push({
      ...base,
      evaluator: check.id,
      evaluator_version: check.version,
      kind: 'check',
      score: clampScore(result.score),
      passed: result.passed ? 1 : 0,
      reason: clampReason(result.reason),
    });
  }
  return { rows, failed };
}

/**
 * The cascade: judges run only on calls the sampler marked for judging and that passed every
 * cheap check (an empty or refused answer needs no judge), and each rubric only when a second
 * deterministic draw (salted per rubric) falls under the rubric's probability for the stratum.
 */
export function chooseJudges(plan: JudgePlan, job: EvalJob, checksFailed: readonly string[]): ChosenJudge[] {
  if (!job.judge || checksFailed.length > 0) return [];
  const key = `${job.trace_id}-${job.span_id}`;
  return plan
    .judgesFor(job)
    .filter((j) => inSample(key, j.probability, judgeSalt(j.evaluator)))
    .map((j) => ({ evaluator: j.evaluator, probability: j.probability }));
}

/** What the judges' outcomes mean for the call: score rows, failures, and whether to come back later. */
export interface JudgePart extends EvaluationPart {
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
): JudgePart {
  const part: JudgePart = { rows: [], failed: [], deferred: [], retryAfterMs: 0 };
  const base = baseRow(job, now);
  for (const o of outcomes) {
    switch (o.kind) {
      case 'scored': {
        const s = o.score;
        const p = chosen.find((c) => c.evaluator === s.evaluator)?.probability ?? 1;
        const weight = 1 / (job.probability * (job.judge_probability || 1) * (p || 1));
        workerMetrics.evaluations.inc({ evaluator: s.evaluator, outcome: s.passed ? 'passed' : 'failed' });
        if (!s.passed) part.failed.push(s.evaluator);
        part.rows.push({
          ...base,
          evaluator: s.evaluator,
          evaluator_version: s.version,
          kind: 'judge',
          score: clampScore(s.score),
          passed: s.passed ? 1 : 0,
          reason: clampReason(s.reason),
          judge_model: s.judge_model,
          input_tokens: s.input_tokens,
          output_tokens: s.output_tokens,
          cost_usd: s.cost_usd,
          sample_weight: weight,
        });
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
