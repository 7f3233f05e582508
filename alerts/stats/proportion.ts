import { incompleteBeta, logChoose, normalQuantile, normalSf } from './special.ts';

/** A count of "bad" outcomes (failures, errors, exceedances) out of `n`. */
export interface Counts {
  n: number;
  k: number;
}

/** Result of a one-sided test: small `p` = the current window is worse than the baseline. */
export interface TestResult {
  p: number;
  /** Which test produced `p`, for the alert text and the benchmark. */
  method: 'fisher' | 'score_z' | 'binomial' | 'welch' | 'none';
}

/**
 * Above this many expected bad outcomes in the smaller window the normal approximation is
 * accurate even in the far tail where alert decisions are made (p ~ 1e-5 after BH).
 */
const EXACT_UP_TO = 5000;

/**
 * One-sided two-proportion test of H1: the current bad share exceeds the baseline's.
 * Fisher's exact test (hypergeometric upper tail). Not a z test: with 15–100 expected failures,
 * as on a quiet route, the binomial's upper tail is much heavier than the normal's at the
 * p ≈ 1e-5 that Benjamini–Hochberg demands across hundreds of series, so a z test pages for
 * noise (measured: 2 false alarms per 100 series per day in bench/detect.ts, vs ~0 exact).
 * The tail is summed by recurrence, so it costs O(sd) multiplications, not log-gammas.
 */
export function twoProportionTest(current: Counts, baseline: Counts): TestResult {
  const { n: n1, k: k1 } = current;
  const { n: n0, k: k0 } = baseline;
  if (n1 <= 0 || n0 <= 0) return { p: 1, method: 'none' };
  const pooled = (k1 + k0) / (n1 + n0);
  const minExpected = Math.min(n1, n0) * Math.min(pooled, 1 - pooled);
  if (minExpected <= EXACT_UP_TO) return { p: fisherUpper(k1, n1, k0 + k1, n0 + n1), method: 'fisher' };
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0));
  const z = (k1 / n1 - k0 / n0) / se;
  return { p: normalSf(z), method: 'score_z' };
}

/** P(X ≥ k) for X ~ Hypergeometric(population N, successes K, draws n). */
export function fisherUpper(k: number, n: number, K: number, N: number): number {
  const hi = Math.min(n, K);
  const lo = Math.max(0, n - (N - K));
  if (k <= lo) return 1;
  if (k > hi) return 0;
  const mode = ((n + 1) * (K + 1)) / (N + 2);
  let term = Math.exp(logChoose(K, k) + logChoose(N - K, n - k) - logChoose(N, n));
  let sum = 0;
  for (let x = k; x <= hi; x++) {
    sum += term;
    // Past the mode the terms fall geometrically; stop once they no longer change the sum.
    if (x > mode && term < sum * 1e-16) break;
    term *= ((K - x) * (n - x)) / ((x + 1) * (N - K - n + x + 1));
  }
  return Math.min(1, sum);
}

/** One-sided exact binomial test of H1: the bad share exceeds `p0`. P(X ≥ k), X ~ Bin(n, p0). */
export function binomialUpperTest(current: Counts, p0: number): TestResult {
  if (current.n <= 0 || current.k <= 0) return { p: 1, method: current.n > 0 ? 'binomial' : 'none' };
  // P(X ≥ k) = I_{p0}(k, n − k + 1).
  return { p: incompleteBeta(p0, current.k, current.n - current.k + 1), method: 'binomial' };
}

/** Wilson score interval for a proportion at two-sided `level` (default 95%). */
export function wilsonInterval(c: Counts, level = 0.95): [number, number] {
  if (c.n <= 0) return [0, 1];
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = c.k / c.n;
  const z2n = (z * z) / c.n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / c.n + z2n / (4 * c.n))) / (1 + z2n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
