import { createHash } from 'node:crypto';
import { inSample, JUDGE_SALT } from '../../core/sample-hash.ts';
import type { Dimensions } from '../../core/selector.ts';
import { CHECKS } from '../checks/index.ts';
import { createJudgePlan, judgeProbabilityFor, type JudgesConfig } from '../judges/index.ts';
import { buildRubrics } from '../judges/rubrics.ts';
import { SelectionError, type SelectedCall, type StratumCount } from './selection.ts';

/** An evaluator a re-evaluation runs, with the version its rows will carry. */
export interface SetMember {
  id: string;
  version: string;
  kind: 'check' | 'judge';
}

/** The evaluators of a run and the hash of their ids and versions (part of every job id). */
export interface EvaluatorSet {
  members: SetMember[];
  /** 12 hex of sha256 over the sorted `id@version` list. */
  key: string;
  /** The `--evaluator` names ([] when none was given: every evaluator). */
  only: string[];
}

/**
 * The evaluator set from the checks registry and (when judges are on) the configured rubrics.
 * `only` restricts it; an unknown name is an error that lists the known ones.
 */
export function evaluatorSet(judges: JudgesConfig, only: readonly string[]): EvaluatorSet {
  const all: SetMember[] = CHECKS.map((c) => ({ id: c.id, version: c.version, kind: 'check' as const }));
  if (judges.endpoints.length > 0)
    for (const r of buildRubrics(judges).values())
      all.push({ id: r.evaluator, version: r.version, kind: 'judge' });
  const names = [...new Set(only)].sort();
  const unknown = names.filter((n) => !all.some((m) => m.id === n));
  if (unknown.length > 0)
    throw new SelectionError(
      `--evaluator ${unknown.join(', ')}: unknown (known: ${all.map((m) => m.id).join(', ')}` +
        `${judges.endpoints.length === 0 ? '; judges are off: no judges.endpoints configured' : ''})`,
    );
  const members = names.length ? all.filter((m) => names.includes(m.id)) : all;
  const text = members
    .map((m) => `${m.id}@${m.version}`)
    .sort()
    .join('\n');
  return { members, key: createHash('sha256').update(text).digest('hex').slice(0, 12), only: names };
}

/**
 * The judge mark of a re-evaluated call: the sampler's rule (the stratum's judge probability, the
 * same salted hash of the trace id), so the calls judged again are those that were judged.
 */
export function judgeMarker(
  judges: JudgesConfig,
  judgeRate: number,
): (call: SelectedCall) => { judge: boolean; judge_probability: number } {
  const probability = judgeProbabilityFor(judges, judgeRate);
  return (call) => {
    const p = probability(call);
    const judge = p > 0 && inSample(call.trace_id, p, JUDGE_SALT);
    return { judge, judge_probability: judge ? p : 0 };
  };
}

/** The dry run's estimate of judge work. */
export interface SpendEstimate {
  /** Expected judge calls (the cascade skips calls a check failed: an upper bound). */
  judgeCalls: number;
  /** Expected USD from the stored average cost per score of each judge; undefined without history. */
  usd: number | undefined;
  /** Judges with no stored score in the range to price them from. */
  unpriced: string[];
}

/** Expected judge calls and spend over the selected strata: calls × judge-mark probability per rubric. */
export function estimateJudgeSpend(
  strata: readonly StratumCount[],
  judges: JudgesConfig,
  judgeRate: number,
  set: EvaluatorSet,
  costPerScore: ReadonlyMap<string, number>,
): SpendEstimate {
  if (judges.endpoints.length === 0) return { judgeCalls: 0, usd: 0, unpriced: [] };
  const plan = createJudgePlan(judges);
  const probability = judgeProbabilityFor(judges, judgeRate);
  const inSet = new Set(set.members.filter((m) => m.kind === 'judge').map((m) => m.id));
  let judgeCalls = 0;
  let usd = 0;
  const unpriced = new Set<string>();
  for (const s of strata) {
    const dims: Dimensions = s;
    const p = probability(dims);
    for (const j of plan.judgesFor(dims)) {
      if (!inSet.has(j.evaluator)) continue;
      const n = s.calls * p * j.probability;
      judgeCalls += n;
      const cost = costPerScore.get(j.evaluator);
      if (cost === undefined) unpriced.add(j.evaluator);
      else usd += n * cost;
    }
  }
  return {
    judgeCalls: Math.round(judgeCalls),
    usd: unpriced.size > 0 && usd === 0 ? undefined : usd,
    unpriced: [...unpriced].sort(),
  };
}
