import { matches, type Dimensions } from '../../core/selector.ts';
import type { JudgesConfig } from './config.ts';
import { evaluatorOf } from './rubrics.ts';
import type { JudgePlan } from './types.ts';

/** The judge rule that applies to a call, with its defaults filled in. */
export interface ResolvedJudgeRule {
  endpoint: string;
  rubrics: readonly string[];
  /** Judge-mark probability for the sampler; undefined → `sampling.judge_rate`. */
  probability?: number | undefined;
  reference?: string | undefined;
}

/**
 * The first rule whose selector matches the call, else the defaults (`default_rubrics` on the
 * first endpoint). Undefined when judges are off (no endpoints).
 */
export function resolveJudgeRule(config: JudgesConfig, dims: Dimensions): ResolvedJudgeRule | undefined {
  const first = config.endpoints[0];
  if (!first) return undefined;
  const rule = config.rules.find((r) => matches(r.match, dims));
  return {
    endpoint: rule?.endpoint ?? first.name,
    rubrics: rule?.rubrics ?? config.default_rubrics,
    probability: rule?.probability,
    reference: rule?.reference,
  };
}

/**
 * The plan the worker's cascade reads. A rule's `probability` is spent once, by the sampler's
 * judge mark (see `judgeProbabilityFor`); every rubric of the rule then runs on a marked call,
 * so the per-rubric probability here is 1 and the stored weight is not divided twice.
 */
export function createJudgePlan(config: JudgesConfig): JudgePlan {
  return {
    judgesFor: (dims) =>
      (resolveJudgeRule(config, dims)?.rubrics ?? []).map((rubric) => ({
        evaluator: evaluatorOf(rubric),
        rubric,
        probability: 1,
      })),
    canJudge: (dims) => resolveJudgeRule(config, dims) !== undefined,
  };
}

/**
 * The judge-mark probability per stratum, for the sampler's `judgeProbability` dependency: the
 * matching rule's `probability`, else `fallback` (`sampling.judge_rate`); 0 when judges are off.
 */
export function judgeProbabilityFor(config: JudgesConfig, fallback: number): (dims: Dimensions) => number {
  return (dims) => {
    const rule = resolveJudgeRule(config, dims);
    return rule ? (rule.probability ?? fallback) : 0;
  };
}
