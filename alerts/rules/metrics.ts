import type { MetricName } from '../config.ts';
import type { WindowAgg } from '../types.ts';

/** How each metric is tested and shown. */
export interface MetricDef {
  /** Which test applies: proportion (Fisher/score), mean (Welch), quantile (exceedance). */
  kind: WindowAgg['kind'];
  /** The direction that is a regression. */
  worse: 'up' | 'down';
  /** Values in [0, 1] (rates, scores): relative effects are taken on the bad side. */
  unit: boolean;
  /** A proportion shown as its good share (pass rate) while `k` counts the bad outcomes. */
  goodShare: boolean;
  /** Human name for summaries. */
  title: string;
  format(v: number): string;
  /** Defaults for `min_effect`. */
  minEffect: { absolute: number; relative: number };
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const RATE_EFFECT = { absolute: 0.02, relative: 0.25 };
const MEAN_EFFECT = { absolute: 0, relative: 0.2 };

export const METRIC_DEFS: Record<MetricName, MetricDef> = {
  judge_kappa: {
    kind: 'point',
    worse: 'down',
    unit: false,
    goodShare: false,
    title: "judge's Cohen's kappa on its golden set",
    format: (v) => v.toFixed(2),
    minEffect: { absolute: 0.2, relative: 0 },
  },
  pass_rate: {
    kind: 'proportion',
    worse: 'down',
    unit: true,
    goodShare: true,
    title: 'pass rate',
    format: pct,
    minEffect: RATE_EFFECT,
  },
  mean_score: {
    kind: 'mean',
    worse: 'down',
    unit: true,
    goodShare: false,
    title: 'mean score',
    format: (v) => v.toFixed(3),
    minEffect: RATE_EFFECT,
  },
  semantic_failure_rate: {
    kind: 'proportion',
    worse: 'up',
    unit: true,
    goodShare: false,
    title: 'semantic failure rate',
    format: pct,
    minEffect: RATE_EFFECT,
  },
  error_rate: {
    kind: 'proportion',
    worse: 'up',
    unit: true,
    goodShare: false,
    title: 'error rate',
    format: pct,
    minEffect: RATE_EFFECT,
  },
  latency_p95: {
    kind: 'quantile',
    worse: 'up',
    unit: false,
    goodShare: false,
    title: 'latency p95',
    format: (v) => `${Math.round(v)} ms`,
    minEffect: MEAN_EFFECT,
  },
  cost_per_call: {
    kind: 'mean',
    worse: 'up',
    unit: false,
    goodShare: false,
    title: 'cost per call',
    format: (v) => `$${v.toPrecision(3)}`,
    minEffect: MEAN_EFFECT,
  },
  tokens_per_call: {
    kind: 'mean',
    worse: 'up',
    unit: false,
    goodShare: false,
    title: 'tokens per call',
    format: (v) => v.toFixed(0),
    minEffect: MEAN_EFFECT,
  },
  conversation_pass_rate: {
    kind: 'proportion',
    worse: 'down',
    unit: true,
    goodShare: true,
    title: 'conversation pass rate',
    format: pct,
    minEffect: RATE_EFFECT,
  },
  conversation_score: {
    kind: 'mean',
    worse: 'down',
    unit: true,
    goodShare: false,
    title: 'mean conversation score',
    format: (v) => v.toFixed(3),
    minEffect: RATE_EFFECT,
  },
};

/** The metric's value for a window (pass rate = 1 − failures/n). */
export function valueOf(def: MetricDef, agg: WindowAgg): number {
  if (agg.n <= 0) return NaN;
  switch (agg.kind) {
    case 'proportion':
      return def.goodShare ? 1 - agg.k / agg.n : agg.k / agg.n;
    case 'mean':
      return agg.sum / agg.n;
    case 'quantile':
    case 'point':
      return agg.value;
  }
}

/** Change toward worse (positive = worse) and the same relative to the baseline's bad side. */
export function effectOf(
  def: MetricDef,
  value: number,
  baseline: number,
): { effect: number; relative: number } {
  const effect = def.worse === 'up' ? value - baseline : baseline - value;
  const base = def.unit && def.worse === 'down' ? 1 - baseline : baseline;
  const relative = base > 0 ? effect / base : effect > 0 ? Infinity : 0;
  return { effect, relative };
}
