import type { Dimension, MetricName } from './config.ts';

/** The label values that name one series of a rule, e.g. `{provider: 'acme', route: '/api/refunds'}`. */
export type SeriesLabels = Partial<Record<Dimension, string>>;

/**
 * One window's aggregate, as read from the rollups.
 * - `proportion`: `k` bad outcomes (failures, errors — for a pass rate, the failed checks) of `n`.
 * - `mean`: count, sum and sum of squares (Welch's test needs nothing else).
 * - `quantile`: the window's p95 and, for current windows, how many calls exceeded the baseline's p95.
 */
export type WindowAgg =
  | { kind: 'proportion'; n: number; k: number }
  | { kind: 'mean'; n: number; sum: number; sumsq: number }
  | { kind: 'quantile'; n: number; value: number; exceed: number }
  /** One measured value, not a sample (a calibration run's kappa over `n` golden items). */
  | { kind: 'point'; n: number; value: number };

/** One series of one rule at one tick: its current window(s) and its baseline. */
export interface SeriesSnapshot {
  labels: SeriesLabels;
  /** The rule's `window`. */
  current: WindowAgg;
  /** The rule's `short_window` when enabled. */
  short?: WindowAgg;
  baseline: WindowAgg;
}

/** Why a series did or did not breach this tick (counted in `assay_alert_evaluations_total`). */
export type Outcome = 'breach' | 'low_samples' | 'small_effect' | 'not_significant' | 'in_bounds';

/** The detector's verdict for one series of one rule. */
export interface Evaluation {
  rule: string;
  metric: MetricName;
  labels: SeriesLabels;
  breach: boolean;
  outcome: Outcome;
  /** Which current window the numbers below describe (`long` = the rule's `window`). */
  window: 'long' | 'short';
  /** Metric value in that window (a rate in [0, 1], a score, ms, USD, tokens). */
  value: number;
  baseline: number;
  /** Two-sided 95% interval of the current value. */
  ci: [number, number];
  /** Change in the worse direction (positive = worse), in the metric's unit. */
  effect: number;
  /** `effect` relative to the baseline (its bad side for rates and scores). */
  relEffect: number;
  /** One-sided p-value of the test (1 for threshold rules). */
  p: number;
  /** BH-adjusted p-value across every test in the tick. */
  q: number;
  method: string;
  n: number;
  nBaseline: number;
}
