import type { RuleConfig } from '../config.ts';
import { detect, type RuleInput } from './detector.ts';
import { labelsFor } from '../notices/notice.ts';
import { fingerprintOf, step, type AlertState, type Transition } from '../state/state.ts';
import type { Evaluation } from '../types.ts';

/** A state change of one alert in one tick. */
export interface AlertEvent {
  transition: Transition;
  rule: RuleConfig;
  /** The state after the change (for `resolved`: the state it resolved from). */
  state: AlertState;
  /** This tick's evaluation; absent when the series had no data this tick. */
  evaluation?: Evaluation;
}

export interface TickOutcome {
  evaluations: Evaluation[];
  events: AlertEvent[];
  /** The states after the tick (inactive ones removed). */
  states: Map<string, AlertState>;
  changed: AlertState[];
  removed: string[];
}

/**
 * The pure heart of a tick: detect over every rule's series, then move each alert's state.
 * A stored alert whose series returned no rows counts as in bounds (traffic stopped), so it
 * still resolves; rules whose read failed are left out of `inputs` and their alerts untouched.
 */
export function evaluateTick(
  inputs: readonly RuleInput[],
  prev: ReadonlyMap<string, AlertState>,
  fdr: number,
  now: number,
): TickOutcome {
  const evaluations = detect(inputs, fdr);
  const states = new Map(prev);
  const events: AlertEvent[] = [];
  const changed: AlertState[] = [];
  const removed: string[] = [];
  const seen = new Set<string>();
  const rules = new Map(inputs.map((i) => [i.rule.name, i.rule]));
  const apply = (
    rule: RuleConfig,
    fp: string,
    breach: boolean,
    labels: Record<string, string>,
    ev?: Evaluation,
  ) => {
    seen.add(fp);
    const before = states.get(fp);
    const { state, transition } = step(before, breach, rule, now, {
      fingerprint: fp,
      rule: rule.name,
      labels,
    });
    if (state) {
      states.set(fp, state);
      changed.push(state);
    } else if (before) {
      states.delete(fp);
      removed.push(fp);
    }
    if (transition) events.push({ transition, rule, state: state ?? (before as AlertState), evaluation: ev });
  };
  for (const ev of evaluations) {
    const rule = rules.get(ev.rule) as RuleConfig;
    const labels = labelsFor(rule, ev.labels);
    apply(rule, fingerprintOf(rule.name, labels), ev.breach, labels, ev);
  }
  for (const [fp, s] of prev) {
    const rule = rules.get(s.rule);
    if (rule && !seen.has(fp)) apply(rule, fp, false, s.labels);
  }
  return { evaluations, events, states, changed, removed };
}
