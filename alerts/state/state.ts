import { createHash } from 'node:crypto';
import type { RuleConfig } from '../config.ts';
import type { SeriesLabels } from '../types.ts';

/** Where one (rule, series) alert stands. Inactive series are not stored at all. */
export type AlertPhase = 'pending' | 'firing';

/** A change worth recording (and, except `pending`, notifying). */
export type Transition = 'pending' | 'firing' | 'reminder' | 'resolved';

/** The persisted state of one alert (JSON in the store, so it survives a restart). */
export interface AlertState {
  fingerprint: string;
  rule: string;
  labels: Record<string, string>;
  phase: AlertPhase;
  /** Consecutive breaching ticks while pending. */
  breachTicks: number;
  /** Consecutive in-bounds ticks while firing. */
  okTicks: number;
  /** When it started firing (ms). */
  startsAt?: number;
  /** When on-call was last told (firing or reminder), ms. */
  notifiedAt?: number;
  /** Last push of the firing alert to Alertmanager channels (they expire alerts not re-sent), ms. */
  refreshedAt?: number;
  /** Annotations of the firing notice, reused for reminders and the resolve. */
  annotations?: Record<string, string>;
}

export type StateRule = Pick<RuleConfig, 'for' | 'resolve_after' | 'repeat_interval'>;

/**
 * One tick of one alert: inactive → pending (breach held for `for` ticks) → firing → resolved
 * (after `resolve_after` consecutive ticks back in bounds), with a reminder every
 * `repeat_interval` while firing. A breach while firing resets the in-bounds count, so a
 * flapping series stays one alert instead of paging on every flap. Returns the next state
 * (undefined = inactive, drop it) and the transition, if any.
 */
export function step(
  prev: AlertState | undefined,
  breach: boolean,
  rule: StateRule,
  now: number,
  fresh: Omit<AlertState, 'phase' | 'breachTicks' | 'okTicks'>,
): { state: AlertState | undefined; transition?: Transition } {
  if (!prev) {
    if (!breach) return { state: undefined };
    const pending: AlertState = { ...fresh, phase: 'pending', breachTicks: 1, okTicks: 0 };
    return rule.for <= 1 ? fire(pending, now) : { state: pending, transition: 'pending' };
  }
  if (prev.phase === 'pending') {
    if (!breach) return { state: undefined };
    const next = { ...prev, breachTicks: prev.breachTicks + 1 };
    return next.breachTicks >= rule.for ? fire(next, now) : { state: next };
  }
  if (breach) {
    const next = { ...prev, okTicks: 0 };
    if (now - (prev.notifiedAt ?? now) >= rule.repeat_interval) {
      return { state: { ...next, notifiedAt: now }, transition: 'reminder' };
    }
    return { state: next };
  }
  const next = { ...prev, okTicks: prev.okTicks + 1 };
  if (next.okTicks >= rule.resolve_after) return { state: undefined, transition: 'resolved' };
  return { state: next };
}

function fire(s: AlertState, now: number): { state: AlertState; transition: Transition } {
  return {
    state: { ...s, phase: 'firing', okTicks: 0, startsAt: now, notifiedAt: now },
    transition: 'firing',
  };
}

/** Stable id of one alert: a hash of its identifying labels (rule, metric, evaluator, series). */
export function fingerprintOf(rule: string, labels: SeriesLabels | Record<string, string>): string {
  const entries = Object.entries({ ...labels, alertname: rule })
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
}
