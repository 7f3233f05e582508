import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../cli/config.ts';
import type { RuleConfigInput } from '../config.ts';
import { detect } from './detector.ts';
import type { SeriesSnapshot } from '../types.ts';

function rule(extra: Partial<RuleConfigInput> = {}) {
  return parseConfig({ alerts: { rules: [{ name: 'r', metric: 'semantic_failure_rate', ...extra }] } }).alerts
    .rules[0]!;
}

const prop = (n: number, k: number) => ({ kind: 'proportion' as const, n, k });
const series = (route: string, cur: [number, number], base: [number, number]): SeriesSnapshot => ({
  labels: { provider: 'acme', route },
  current: prop(...cur),
  baseline: prop(...base),
});

describe('detector', () => {
  it('flags a clear regression and leaves a stable series alone', () => {
    const out = detect(
      [
        {
          rule: rule(),
          series: [series('/a', [400, 160], [20_000, 400]), series('/b', [400, 9], [20_000, 400])],
        },
      ],
      0.001,
    );
    expect(out.map((e) => [e.labels.route, e.breach, e.outcome])).toEqual([
      ['/a', true, 'breach'],
      ['/b', false, 'small_effect'],
    ]);
    expect(out[0]).toMatchObject({ value: 0.4, baseline: 0.02, n: 400, nBaseline: 20_000 });
    expect(out[0]!.ci[0]).toBeLessThan(0.4);
    expect(out[0]!.ci[1]).toBeGreaterThan(0.4);
  });

  it('needs min_samples in both windows', () => {
    const [few] = detect(
      [{ rule: rule({ min_samples: 50 }), series: [series('/a', [40, 30], [20_000, 400])] }],
      0.001,
    );
    expect(few).toMatchObject({ breach: false, outcome: 'low_samples' });
    const [noBase] = detect(
      [{ rule: rule({ min_samples: 50 }), series: [series('/a', [400, 300], [40, 1])] }],
      0.001,
    );
    expect(noBase).toMatchObject({ breach: false, outcome: 'low_samples' });
  });

  it('needs the minimum effect even when a huge sample makes a tiny change significant', () => {
    // 2.0% → 2.6% on 100k calls: p ≪ 0.001, but 0.6 points is below the default 2-point floor.
    const [ev] = detect(
      [{ rule: rule(), series: [series('/a', [100_000, 2600], [2_000_000, 40_000])] }],
      0.001,
    );
    expect(ev!.p).toBeLessThan(1e-6);
    expect(ev).toMatchObject({ breach: false, outcome: 'small_effect' });
    const [rel] = detect(
      [
        {
          rule: rule({ min_effect: { absolute: 0.001, relative: 0.5 } }),
          series: [series('/a', [100_000, 2600], [2_000_000, 40_000])],
        },
      ],
      0.001,
    );
    expect(rel).toMatchObject({ breach: false, outcome: 'small_effect' });
  });

  it('corrects for the number of series tested in the tick (Benjamini–Hochberg)', () => {
    // A moderate regression that is significant alone (Fisher p ≈ 6.4e-5, SciPy) …
    const target = series('/target', [300, 32], [20_000, 1000]);
    const [alone] = detect([{ rule: rule({ short_window: '0s' }), series: [target] }], 0.001);
    expect(alone!.breach).toBe(true);
    // … is not once 200 stable series are tested in the same tick.
    const stable = Array.from({ length: 200 }, (_, i) => series(`/s${i}`, [300, 15], [20_000, 1000]));
    const crowd = detect([{ rule: rule({ short_window: '0s' }), series: [target, ...stable] }], 0.001);
    expect(crowd[0]).toMatchObject({ breach: false, outcome: 'not_significant' });
    expect(crowd[0]!.q).toBeGreaterThan(alone!.q);
  });

  it('pass rate regresses downwards and is reported as a pass rate', () => {
    const r = parseConfig({ alerts: { rules: [{ name: 'p', metric: 'pass_rate', evaluator: 'refusal' }] } })
      .alerts.rules[0]!;
    // k counts failed checks: 1.9% failing in the baseline, 39% now.
    const [ev] = detect(
      [
        {
          rule: r,
          series: [
            {
              labels: { provider: 'openai', route: '/x' },
              current: prop(412, 161),
              baseline: prop(20_000, 380),
            },
          ],
        },
      ],
      0.001,
    );
    expect(ev!.breach).toBe(true);
    expect(ev!.value).toBeCloseTo(0.609, 3);
    expect(ev!.baseline).toBeCloseTo(0.981, 3);
    expect(ev!.effect).toBeCloseTo(0.372, 3);
  });

  it('tests means with Welch (latency up is worse)', () => {
    const r = parseConfig({ alerts: { rules: [{ name: 'c', metric: 'tokens_per_call' }] } }).alerts.rules[0]!;
    const mean = (n: number, mu: number, sd: number) => ({
      kind: 'mean' as const,
      n,
      sum: n * mu,
      sumsq: (n - 1) * sd * sd + n * mu * mu,
    });
    const up = {
      labels: { provider: 'a', route: '/u' },
      current: mean(200, 900, 200),
      baseline: mean(10_000, 600, 200),
    };
    const down = {
      labels: { provider: 'a', route: '/d' },
      current: mean(200, 300, 200),
      baseline: mean(10_000, 600, 200),
    };
    const out = detect([{ rule: r, series: [up, down] }], 0.001);
    expect(out.map((e) => e.breach)).toEqual([true, false]);
  });

  it('threshold rules compare the window value with the bound', () => {
    const r = rule({ kind: 'threshold', threshold: { op: '>', value: 0.1 } });
    const out = detect(
      [
        {
          rule: r,
          series: [
            series('/hi', [100, 15], [0, 0]),
            series('/lo', [100, 5], [0, 0]),
            series('/few', [10, 9], [0, 0]),
          ],
        },
      ],
      0.001,
    );
    expect(out.map((e) => [e.breach, e.outcome])).toEqual([
      [true, 'breach'],
      [false, 'in_bounds'],
      [false, 'low_samples'],
    ]);
  });

  it('the short window catches a fresh regression the long window still dilutes', () => {
    // 80 s into a 5% → 25% failure jump at 1 call/s: 16 extra failures, in both windows.
    const s: SeriesSnapshot = {
      labels: { provider: 'a', route: '/x' },
      current: prop(900, 45 + 16),
      short: prop(300, 15 + 16),
      baseline: prop(86_400, 4320),
    };
    const [ev] = detect([{ rule: rule(), series: [s] }], 0.001);
    expect(ev).toMatchObject({ breach: true, window: 'short', n: 300 });
    const [longOnly] = detect([{ rule: rule({ short_window: '0s' }), series: [s] }], 0.001);
    expect(longOnly).toMatchObject({ breach: false, window: 'long' });
  });
});
