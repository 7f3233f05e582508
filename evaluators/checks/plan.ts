import { matches, type Dimensions } from '../../core/selector.ts';
import type { EvaluatorRule, EvaluatorsConfig } from './config.ts';
import { CHECKS } from './registry.ts';
import { formatPath, parseParams, ruleIssues } from './rules.ts';
import type { CheckDeps, CheckInput, CheckOutcome } from './types.ts';

/** A check ready to run: its id and version (stored with the score) and its compiled evaluate. */
export interface PlannedCheck {
  id: string;
  version: string;
  /** The judge evaluator (`judge_<rubric>`) that settles this check's unsure verdicts, if any. */
  escalation?: string | undefined;
  /** Reads `CheckInput.related` (the worker loads the trace's other calls for it). */
  needsRelated?: boolean;
  evaluate: (input: CheckInput) => CheckOutcome;
}

/** Compiled plan from the `evaluators` config section: which checks (with which params) run on a call. */
export interface CheckPlan {
  checksFor(dims: Dimensions): ReadonlyArray<PlannedCheck>;
  /** `evaluators.min_confidence`: verdicts below it are unsure. */
  readonly minConfidence: number;
}

/** Raised by {@link createCheckPlan} for bad rules; the message names each rule index, check and field. */
export class CheckConfigError extends Error {
  override name = 'CheckConfigError';
}

type Params = Record<string, unknown>;

/** Which checks run, with merged raw parameters, for calls matching exactly these rules. */
function activeChecks(
  config: EvaluatorsConfig,
  ruleIdx: readonly number[],
): Map<string, { merged: Params; last: Params }> {
  const active = new Map<string, { merged: Params; last: Params }>();
  if (config.defaults)
    for (const c of CHECKS) if (!c.requiresParams) active.set(c.id, { merged: {}, last: {} });
  for (const i of ruleIdx) {
    const rule = config.rules[i] as EvaluatorRule;
    for (const [id, raw] of Object.entries(rule.checks)) {
      const params = raw ?? {};
      active.set(id, { merged: { ...active.get(id)?.merged, ...params }, last: params });
    }
    for (const id of rule.disable) active.delete(id);
  }
  return active;
}

/** Builds the evaluate functions for one combination of matching rules (registry order). */
function compile(config: EvaluatorsConfig, ruleIdx: readonly number[], deps: CheckDeps): PlannedCheck[] {
  const active = activeChecks(config, ruleIdx);
  const planned: PlannedCheck[] = [];
  for (const check of CHECKS) {
    const params = active.get(check.id);
    if (!params) continue;
    // Each rule's parameters were validated alone; a merge of two valid sets can still conflict
    // (min_chars of one above max_chars of another): then the later rule's own set wins.
    let parsed = parseParams(check, params.merged);
    if (!parsed.ok) parsed = parseParams(check, params.last);
    if (!parsed.ok) continue;
    planned.push({
      id: check.id,
      version: check.version,
      escalation: check.escalation && `judge_${check.escalation}`,
      needsRelated: check.needsRelated === true,
      evaluate: check.create(parsed.config, deps),
    });
  }
  return planned;
}

/**
 * Compiles the `evaluators` section. Throws {@link CheckConfigError} naming the rule index, check
 * and field (`evaluators.rules[0].checks.json_schema.schema: …`) for unknown ids and bad
 * parameters. Plans are compiled once per distinct set of matching rules and cached, so schemas
 * and patterns compile once, not per call.
 */
export function createCheckPlan(config: EvaluatorsConfig, deps: CheckDeps): CheckPlan {
  const issues = ruleIssues(config.rules);
  if (issues.length > 0) {
    const lines = issues.map((i) => `  ${formatPath(['evaluators', ...i.path])}: ${i.message}`);
    throw new CheckConfigError(`invalid evaluators config:\n${lines.join('\n')}`);
  }
  const cache = new Map<string, PlannedCheck[]>();
  const planFor = (ruleIdx: number[]): PlannedCheck[] => {
    const key = ruleIdx.join(',');
    let planned = cache.get(key);
    if (!planned) {
      planned = compile(config, ruleIdx, deps);
      cache.set(key, planned);
    }
    return planned;
  };
  // Compile every rule once now, so a check whose factory throws fails at start, not per call.
  planFor([]);
  config.rules.forEach((_, i) => {
    try {
      planFor([i]);
    } catch (err) {
      throw new CheckConfigError(`evaluators.rules[${i}]: ${(err as Error).message}`);
    }
  });
  return {
    minConfidence: config.min_confidence,
    checksFor(dims) {
      const idx: number[] = [];
      config.rules.forEach((rule, i) => {
        if (matches(rule.match, dims)) idx.push(i);
      });
      return planFor(idx);
    },
  };
}
