import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../cli/config.ts';
import { SimSeries, drive, rng } from './simulate.ts';

const H = 3_600_000;
const M = 60_000;
const ONSET = 7 * H;
const RECOVERY = 8 * H;

/** A series whose failure rate steps from `base` to `base + jump` during [ONSET, RECOVERY). */
function spec(route: string, rate: number, base: number, jump = 0) {
  return {
    labels: { provider: 'acme', route },
    rate,
    failRate: (t: number) => (t >= ONSET && t < RECOVERY ? base + jump : base),
  };
}

describe('simulated streams through detector + state machine', () => {
  const rule = parseConfig({
    alerts: { rules: [{ name: 'semantic', metric: 'semantic_failure_rate', baseline: '6h' }] },
  }).alerts.rules[0]!;
  const rand = rng(42);
  const regressions = [
    spec('/big-quiet', 0.2, 0.05, 0.3), // 0.2 calls/s, +30 points
    spec('/ten-points', 1, 0.05, 0.1), // 1 call/s, +10 points
    spec('/busy-small', 5, 0.05, 0.05), // 5 calls/s, +5 points
  ];
  const stable = Array.from({ length: 40 }, (_, i) =>
    spec(`/stable-${i}`, [0.1, 0.5, 1, 5][i % 4]!, [0.02, 0.05, 0.1][i % 3]!),
  );
  const series = [...regressions, ...stable].map((s) => new SimSeries(s, 10 * H, rand));
  const events = drive(series, [rule], { start: 6 * H, end: 10 * H, tickMs: 30_000, fdr: 0.001 });
  const of = (route: string, transition: string) =>
    events.filter((e) => e.labels['route'] === route && e.transition === transition);

  it.each(regressions.map((r) => r.labels.route))(
    '%s fires once, within 15 minutes of the onset',
    (route) => {
      const firing = of(route, 'firing');
      expect(firing).toHaveLength(1);
      expect(firing[0]!.t).toBeGreaterThan(ONSET);
      expect(firing[0]!.t - ONSET).toBeLessThanOrEqual(15 * M);
    },
  );

  it.each(regressions.map((r) => r.labels.route))('%s resolves within 30 minutes of recovery', (route) => {
    const resolved = of(route, 'resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]!.t).toBeGreaterThan(RECOVERY);
    expect(resolved[0]!.t - RECOVERY).toBeLessThanOrEqual(30 * M);
  });

  it('none of the 40 stable series fires', () => {
    expect(
      events.filter((e) => e.transition === 'firing' && e.labels['route']!.startsWith('/stable')),
    ).toEqual([]);
  });
});
