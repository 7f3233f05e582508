import { describe, expect, it } from 'vitest';
import { ruleConfigSchema, JUDGE_DRIFT_RULE } from '../config.ts';
import { detect } from './detector.ts';
import { summaryOf } from '../notices/notice.ts';
import type { SeriesSnapshot } from '../types.ts';

const rule = ruleConfigSchema.parse(JUDGE_DRIFT_RULE);
const series = (cur: number, base: number | undefined, n = 40): SeriesSnapshot => ({
  labels: { model: 'gpt-4o-mini', evaluator: 'judge_confirm_refusal' },
  current: { kind: 'point', n, value: cur },
  baseline: base === undefined ? { kind: 'point', n: 0, value: NaN } : { kind: 'point', n, value: base },
});

describe('judge drift (judge_kappa)', () => {
  it.each([
    ['first run, good', 0.9, undefined, 'in_bounds'],
    ['first run, below the floor', 0.5, undefined, 'breach'],
    ['steady', 0.85, 0.9, 'in_bounds'],
    ['a drop of 0.2 or more, still above the floor', 0.68, 0.9, 'breach'],
    ['a smaller drop', 0.75, 0.9, 'in_bounds'],
    ['still below the floor at the next run', 0.4, 0.4, 'breach'],
    ['recovered', 0.9, 0.4, 'in_bounds'],
  ] as const)('%s', (_name, cur, base, outcome) => {
    const [ev] = detect([{ rule, series: [series(cur, base)] }], 0.001);
    expect(ev?.outcome).toBe(outcome);
    expect(ev?.breach).toBe(outcome === 'breach');
  });

  it('needs min_samples golden verdicts', () => {
    const [ev] = detect([{ rule, series: [series(0.1, 0.9, 5)] }], 0.001);
    expect(ev?.outcome).toBe('low_samples');
    expect(ev?.breach).toBe(false);
  });

  it('says which judge, which rubric, and the two kappas', () => {
    const [ev] = detect([{ rule, series: [series(-1, 1)] }], 0.001);
    expect(summaryOf(rule, ev!)).toBe(
      "judge gpt-4o-mini on judge_confirm_refusal: Cohen's kappa against its golden set fell from 1.00 to -1.00 (n=40; floor < 0.60)",
    );
  });
});
