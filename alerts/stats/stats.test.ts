import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, bhAdjust } from './bh.ts';
import { binomialUpperTest, fisherUpper, twoProportionTest, wilsonInterval } from './proportion.ts';
import { normalQuantile, normalSf, studentTQuantile, studentTSf } from './special.ts';
import { welchTest } from './welch.ts';

// Reference values computed with SciPy 1.17 (stats.fisher_exact, ttest_ind(equal_var=False),
// binom.sf, t.sf/t.ppf, norm.sf, binomtest(...).proportion_ci('wilson'), false_discovery_control).
describe('special functions', () => {
  it('matches the normal and Student t references', () => {
    expect(normalSf(4.5)).toBeCloseTo(3.3976731247300535e-6, 11);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232306167813, 6);
    expect(studentTSf(2.0, 5.5)).toBeCloseTo(0.04837719511559252, 9);
    expect(studentTQuantile(0.975, 12.3)).toBeCloseTo(2.172933481758962, 6);
  });
});

describe('proportion tests', () => {
  it("Fisher's exact test: the lady tasting tea, one-sided", () => {
    expect(fisherUpper(3, 4, 4, 8)).toBeCloseTo(17 / 70, 12);
    expect(twoProportionTest({ n: 4, k: 3 }, { n: 4, k: 1 })).toEqual({
      p: expect.closeTo(0.242857142857, 9),
      method: 'fisher',
    });
  });

  it('uses Fisher for small expected counts and agrees with SciPy', () => {
    const r = twoProportionTest({ n: 100, k: 7 }, { n: 2000, k: 20 });
    expect(r.method).toBe('fisher');
    expect(r.p).toBeCloseTo(0.00018213816963892957, 10);
  });

  it('stays exact for hundreds of expected failures', () => {
    const r = twoProportionTest({ n: 900, k: 90 }, { n: 86_400, k: 4320 });
    expect(r.method).toBe('fisher');
    expect(r.p / 8.992091148476531e-10).toBeCloseTo(1, 4);
  });

  it('uses the pooled score z test only for very large counts', () => {
    const r = twoProportionTest({ n: 200_000, k: 10_400 }, { n: 2_000_000, k: 100_000 });
    expect(r.method).toBe('score_z');
    expect(r.p / 4.687816953939825e-5).toBeCloseTo(1, 3);
  });

  it('is one-sided: an improvement is not significant', () => {
    expect(twoProportionTest({ n: 900, k: 10 }, { n: 86_400, k: 4320 }).p).toBeGreaterThan(0.99);
  });

  it('exact binomial upper tail', () => {
    expect(binomialUpperTest({ n: 100, k: 10 }, 0.05).p).toBeCloseTo(0.02818829416341614, 10);
  });

  it('Wilson interval', () => {
    const [lo, hi] = wilsonInterval({ n: 20, k: 8 });
    expect(lo).toBeCloseTo(0.21880653237281705, 8);
    expect(hi).toBeCloseTo(0.6134184992377467, 8);
    const [lo2, hi2] = wilsonInterval({ n: 1000, k: 3 });
    expect(lo2).toBeCloseTo(0.0010207838811386186, 8);
    expect(hi2).toBeCloseTo(0.008783014053503173, 8);
  });
});

describe('Welch t test from rollup moments', () => {
  // Two samples (n=10 and n=20) given only as count, sum and sum of squares, as the rollups keep them.
  const a = { n: 10, sum: 193.7, sumsq: 3765.01 };
  const b = { n: 20, sum: 431.8, sumsq: 9645.62 };

  it('matches scipy ttest_ind(equal_var=False, alternative=less)', () => {
    expect(welchTest(a, b, 'down').p).toBeCloseTo(0.017742265415005197, 8);
    expect(welchTest(a, b, 'up').p).toBeCloseTo(1 - 0.017742265415005197, 8);
  });

  it('zero variance on both sides: different means are certain, equal ones are not', () => {
    expect(welchTest({ n: 5, sum: 10, sumsq: 20 }, { n: 5, sum: 5, sumsq: 5 }, 'up').p).toBe(0);
    expect(welchTest({ n: 5, sum: 5, sumsq: 5 }, { n: 5, sum: 5, sumsq: 5 }, 'up').p).toBe(1);
  });
});

describe('Benjamini–Hochberg', () => {
  const ps = [0.01, 0.04, 0.03, 0.005, 0.2, 0.5];

  it('adjusted p-values match scipy false_discovery_control', () => {
    const adj = bhAdjust(ps);
    [0.03, 0.06, 0.06, 0.03, 0.24, 0.5].forEach((v, i) => expect(adj[i]).toBeCloseTo(v, 12));
  });

  it('rejects exactly the tests whose adjusted p is within q', () => {
    expect(benjaminiHochberg(ps, 0.05)).toEqual([true, false, false, true, false, false]);
    expect(benjaminiHochberg(ps, 0.06)).toEqual([true, true, true, true, false, false]);
    expect(benjaminiHochberg([], 0.05)).toEqual([]);
  });
});
