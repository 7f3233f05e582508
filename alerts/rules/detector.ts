import { hasShortWindow, type RuleConfig } from '../config.ts';
import { driftEval } from './drift.ts';
import { METRIC_DEFS, effectOf, valueOf, type MetricDef } from './metrics.ts';
import { bhAdjust } from '../stats/bh.ts';
import {
  binomialUpperTest,
  twoProportionTest,
  wilsonInterval,
  type TestResult,
} from '../stats/proportion.ts';
import { meanInterval, welchTest } from '../stats/welch.ts';
import type { Evaluation, Outcome, SeriesSnapshot, WindowAgg } from '../types.ts';

/** One rule and the series read for it this tick. */
export interface RuleInput {
  rule: RuleConfig;
  series: SeriesSnapshot[];
}

/** A tested window of a regression rule, before the FDR correction. */
interface Candidate {
  ruleIdx: number;
  seriesIdx: number;
  window: 'long' | 'short';
  value: number;
  baseline: number;
  ci: [number, number];
  effect: number;
  relEffect: number;
  effectOk: boolean;
  test: TestResult;
  n: number;
  nBaseline: number;
  q: number;
}

/** p95 is tested by exceedance: without a change, 5% of calls exceed the baseline's p95. */
const P95_EXCEEDANCE = 0.05;

/**
 * Decides, for every series of every rule, whether it breaches this tick. Regression rules need
 * enough samples in both windows, an effect of at least `min_effect` (absolute and relative),
 * and significance after Benjamini–Hochberg across all tests of the tick (all rules, all
 * series, both windows). Threshold rules compare the window's value with their bound.
 */
export function detect(inputs: readonly RuleInput[], fdr: number): Evaluation[] {
  const candidates: Candidate[] = [];
  const out: Evaluation[][] = inputs.map(({ rule, series }, ruleIdx) =>
    series.map((s, seriesIdx) => {
      if (rule.metric === 'judge_kappa') return driftEval(rule, s);
      if (rule.kind === 'threshold') return thresholdEval(rule, s);
      for (const window of ['long', 'short'] as const) {
        const agg = window === 'long' ? s.current : hasShortWindow(rule) ? s.short : undefined;
        if (!agg) continue;
        const c = testWindow(rule, agg, s.baseline);
        if (c) candidates.push({ ...c, ruleIdx, seriesIdx, window, q: 1 });
      }
      return lowSamples(rule, s);
    }),
  );
  const adjusted = bhAdjust(candidates.map((c) => c.test.p));
  candidates.forEach((c, i) => (c.q = adjusted[i] as number));
  const best = new Map<string, Candidate>();
  for (const c of candidates) {
    const key = `${c.ruleIdx}/${c.seriesIdx}`;
    const prev = best.get(key);
    if (!prev || rank(c, fdr) > rank(prev, fdr)) best.set(key, c);
  }
  for (const c of best.values()) {
    const { rule, series } = inputs[c.ruleIdx] as RuleInput;
    const row = out[c.ruleIdx] as Evaluation[];
    row[c.seriesIdx] = toEvaluation(rule, series[c.seriesIdx] as SeriesSnapshot, c, outcomeOf(c, fdr));
  }
  return out.flat();
}

function outcomeOf(c: Candidate, fdr: number): Outcome {
  if (c.effect <= 0) return 'in_bounds';
  if (!c.effectOk) return 'small_effect';
  return c.q <= fdr ? 'breach' : 'not_significant';
}

/** Which tested window speaks for the series: a breach first, the long window on ties. */
function rank(c: Candidate, fdr: number): number {
  const order: Record<Outcome, number> = {
    breach: 4,
    not_significant: 2,
    small_effect: 1,
    low_samples: 0,
    in_bounds: 0,
  };
  return order[outcomeOf(c, fdr)] + (c.window === 'long' ? 0.5 : 0);
}

function minEffect(rule: RuleConfig, def: MetricDef): { absolute: number; relative: number } {
  return {
    absolute: rule.min_effect.absolute ?? def.minEffect.absolute,
    relative: rule.min_effect.relative ?? def.minEffect.relative,
  };
}

function testWindow(
  rule: RuleConfig,
  cur: WindowAgg,
  base: WindowAgg,
): Omit<Candidate, 'ruleIdx' | 'seriesIdx' | 'window' | 'q'> | undefined {
  if (cur.n < rule.min_samples || base.n < rule.min_samples) return undefined;
  const def = METRIC_DEFS[rule.metric];
  const value = valueOf(def, cur);
  const baseline = valueOf(def, base);
  const { effect, relative } = effectOf(def, value, baseline);
  const min = minEffect(rule, def);
  return {
    value,
    baseline,
    ci: intervalOf(def, cur),
    effect,
    relEffect: relative,
    effectOk: effect > 0 && effect >= min.absolute && relative >= min.relative,
    test: testOf(def, cur, base),
    n: cur.n,
    nBaseline: base.n,
  };
}

function testOf(def: MetricDef, cur: WindowAgg, base: WindowAgg): TestResult {
  if (cur.kind === 'proportion' && base.kind === 'proportion') return twoProportionTest(cur, base);
  if (cur.kind === 'mean' && base.kind === 'mean') return welchTest(cur, base, def.worse);
  if (cur.kind === 'quantile') return binomialUpperTest({ n: cur.n, k: cur.exceed }, P95_EXCEEDANCE);
  return { p: 1, method: 'none' };
}

function intervalOf(def: MetricDef, agg: WindowAgg): [number, number] {
  switch (agg.kind) {
    case 'proportion': {
      const [lo, hi] = wilsonInterval(agg);
      return def.goodShare ? [1 - hi, 1 - lo] : [lo, hi];
    }
    case 'mean':
      return meanInterval(agg);
    case 'quantile':
    case 'point':
      return [agg.value, agg.value];
  }
}

function toEvaluation(rule: RuleConfig, s: SeriesSnapshot, c: Candidate, outcome: Outcome): Evaluation {
  return {
    rule: rule.name,
    metric: rule.metric,
    labels: s.labels,
    breach: outcome === 'breach',
    outcome,
    window: c.window,
    value: c.value,
    baseline: c.baseline,
    ci: c.ci,
    effect: c.effect,
    relEffect: c.relEffect,
    p: c.test.p,
    q: c.q,
    method: c.test.method,
    n: c.n,
    nBaseline: c.nBaseline,
  };
}

function lowSamples(rule: RuleConfig, s: SeriesSnapshot): Evaluation {
  const def = METRIC_DEFS[rule.metric];
  return {
    rule: rule.name,
    metric: rule.metric,
    labels: s.labels,
    breach: false,
    outcome: 'low_samples',
    window: 'long',
    value: valueOf(def, s.current),
    baseline: valueOf(def, s.baseline),
    ci: [NaN, NaN],
    effect: 0,
    relEffect: 0,
    p: 1,
    q: 1,
    method: 'none',
    n: s.current.n,
    nBaseline: s.baseline.n,
  };
}

function thresholdEval(rule: RuleConfig, s: SeriesSnapshot): Evaluation {
  const def = METRIC_DEFS[rule.metric];
  const ev = lowSamples(rule, s);
  if (s.current.n < rule.min_samples || !rule.threshold) return ev;
  const { effect, relative } = effectOf(def, ev.value, ev.baseline);
  const { op, value: bound } = rule.threshold;
  const v = ev.value;
  const breach = op === '>' ? v > bound : op === '>=' ? v >= bound : op === '<' ? v < bound : v <= bound;
  return {
    ...ev,
    ci: intervalOf(def, s.current),
    effect,
    relEffect: relative,
    breach,
    outcome: breach ? 'breach' : 'in_bounds',
  };
}
