import type { RuleConfig } from '../config.ts';
import type { Evaluation, SeriesSnapshot } from '../types.ts';

/**
 * Judge drift (`judge_kappa`): a judge model's Cohen's kappa against its golden set at its newest
 * calibration run (`current`), and at the run before (`baseline`). The golden set is the same
 * items judged again, so there is no sampling to test: a run breaches when its kappa is below
 * the rule's `threshold` (the floor) or has dropped by at least `min_effect.absolute` since the
 * previous run. Either breach is one alert per (judge model, rubric), paged once.
 */
export function driftEval(rule: RuleConfig, s: SeriesSnapshot): Evaluation {
  const value = s.current.kind === 'point' ? s.current.value : NaN;
  const baseline = s.baseline.kind === 'point' && s.baseline.n > 0 ? s.baseline.value : NaN;
  const drop = Number.isFinite(baseline) ? baseline - value : 0;
  const enough = s.current.n >= rule.min_samples && Number.isFinite(value);
  const t = rule.threshold;
  const belowFloor =
    t !== undefined &&
    (t.op === '<'
      ? value < t.value
      : t.op === '<='
        ? value <= t.value
        : t.op === '>'
          ? value > t.value
          : value >= t.value);
  const dropLimit = rule.min_effect.absolute;
  const dropped = dropLimit !== undefined && drop >= dropLimit && drop > 0;
  const breach = enough && (belowFloor || dropped);
  return {
    rule: rule.name,
    metric: rule.metric,
    labels: s.labels,
    breach,
    outcome: !enough ? 'low_samples' : breach ? 'breach' : 'in_bounds',
    window: 'long',
    value,
    baseline,
    ci: [value, value],
    effect: drop,
    relEffect: Number.isFinite(baseline) && baseline !== 0 ? drop / Math.abs(baseline) : 0,
    p: 1,
    q: 1,
    method: 'calibration',
    n: s.current.n,
    nBaseline: s.baseline.n,
  };
}

const k = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');

/** "judge gpt-4o-mini on judge_confirm_refusal: kappa against its golden set fell from 0.92 to 0.31 (n=40; floor < 0.60)". */
export function driftSummary(rule: RuleConfig, ev: Evaluation): string {
  const who = `judge ${ev.labels.model ?? '?'} on ${ev.labels.evaluator ?? '?'}`;
  const floor = rule.threshold ? `; floor ${rule.threshold.op} ${k(rule.threshold.value)}` : '';
  const change = Number.isFinite(ev.baseline)
    ? `${ev.value < ev.baseline ? 'fell' : 'is'} from ${k(ev.baseline)} to ${k(ev.value)}`
    : `is ${k(ev.value)}`;
  return `${who}: Cohen's kappa against its golden set ${change} (n=${ev.n}${floor})`;
}

export function driftDescription(rule: RuleConfig, ev: Evaluation): string {
  const drop = rule.min_effect.absolute;
  return (
    `newest calibration run: kappa ${k(ev.value)} over ${ev.n} golden items; previous run ${k(ev.baseline)}` +
    `${Number.isFinite(ev.baseline) ? ` over ${ev.nBaseline}` : ''}. Pages when kappa is` +
    `${rule.threshold ? ` ${rule.threshold.op} ${k(rule.threshold.value)}` : ''}` +
    `${rule.threshold && drop !== undefined ? ' or' : ''}${drop !== undefined ? ` drops by ${k(drop)} or more` : ''}` +
    '; the rows are in judge_calibration'
  );
}
