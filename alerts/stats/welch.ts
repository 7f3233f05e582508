import type { TestResult } from './proportion.ts';
import { studentTQuantile, studentTSf } from './special.ts';

/** What the rollups keep for a mean: count, sum and sum of squares. */
export interface Moments {
  n: number;
  sum: number;
  sumsq: number;
}

export function mean(m: Moments): number {
  return m.n > 0 ? m.sum / m.n : NaN;
}

/** Sample variance from moments; clamped at 0 (float cancellation can make it slightly negative). */
export function variance(m: Moments): number {
  if (m.n < 2) return 0;
  return Math.max(0, (m.sumsq - (m.sum * m.sum) / m.n) / (m.n - 1));
}

/** Welch's t statistic, its Welch–Satterthwaite degrees of freedom and the standard error. */
export function welchT(current: Moments, baseline: Moments): { t: number; df: number; se: number } {
  const v1 = variance(current) / current.n;
  const v0 = variance(baseline) / baseline.n;
  const se = Math.sqrt(v1 + v0);
  const diff = mean(current) - mean(baseline);
  const df = (v1 + v0) ** 2 / ((v1 * v1) / (current.n - 1) + (v0 * v0) / (baseline.n - 1));
  if (se === 0) return { t: diff === 0 ? 0 : Math.sign(diff) * Infinity, df: Infinity, se };
  return { t: diff / se, df, se };
}

/**
 * One-sided Welch test of H1: the current mean is worse than the baseline's — higher when
 * `worse` is `up` (latency, cost), lower when `down` (scores).
 */
export function welchTest(current: Moments, baseline: Moments, worse: 'up' | 'down'): TestResult {
  if (current.n < 2 || baseline.n < 2) return { p: 1, method: 'none' };
  const { t, df } = welchT(current, baseline);
  const directed = worse === 'up' ? t : -t;
  if (!Number.isFinite(directed)) return { p: directed > 0 ? 0 : 1, method: 'welch' };
  if (!Number.isFinite(df)) return { p: directed > 0 ? 0 : 1, method: 'welch' };
  return { p: studentTSf(directed, df), method: 'welch' };
}

/** Interval for one mean (t on n − 1 degrees of freedom). */
export function meanInterval(m: Moments, level = 0.95): [number, number] {
  const mu = mean(m);
  if (m.n < 2) return [mu, mu];
  const se = Math.sqrt(variance(m) / m.n);
  if (se === 0) return [mu, mu];
  const q = studentTQuantile(1 - (1 - level) / 2, m.n - 1);
  return [mu - q * se, mu + q * se];
}
