import type { Logger } from '../../core/logger.ts';
import { channelsFor, type AlerterConfig, type ChannelConfig, type RuleConfig } from '../config.ts';
import type { AlertEvent } from '../rules/engine.ts';
import type { AlertRecorder, AlertRow } from './history.ts';
import { annotationsFor, dashboardUrl, type AlertNotice } from './notice.ts';
import { ALERTMANAGER_RESEND_MS } from '../notifiers/alertmanager.ts';
import type { SeriesSource } from '../series/source.ts';
import type { AlertState, Transition } from '../state/state.ts';

export interface NotifyContext {
  config: Pick<AlerterConfig, 'alerts' | 'grafana'>;
  source: SeriesSource;
  recorder: AlertRecorder;
  logger: Logger;
  /** Tick time, ms. */
  now: number;
}

export type Delivery = [ChannelConfig, AlertNotice];

/**
 * Turns a tick's transitions into `assay.alerts` rows and notices: firing reads examples and
 * likely causes (only then — it is the one moment they are needed), reminders refresh the
 * numbers, resolved reuses what was sent at firing so the receiver sees the same alert close.
 */
export async function handleEvents(events: readonly AlertEvent[], ctx: NotifyContext): Promise<Delivery[]> {
  const out: Delivery[] = [];
  const grafana = ctx.config.grafana.url;
  for (const e of events) {
    const { rule, state, evaluation: ev } = e;
    if (e.transition === 'firing' && ev) {
      const context = await ctx.source.context(rule, ev.labels, ctx.now).catch((err: unknown) => {
        ctx.logger.warn(
          { err, rule: rule.name },
          'reading alert examples failed; the alert goes out without them',
        );
        return undefined;
      });
      state.annotations = annotationsFor(rule, ev, context, grafana);
      state.refreshedAt = ctx.now;
    } else if (e.transition === 'reminder' && ev) {
      state.annotations = { ...state.annotations, ...annotationsFor(rule, ev, undefined, grafana) };
    }
    ctx.recorder.transition(rowOf(e, ctx.now));
    if (e.transition === 'pending') continue;
    const notice = noticeOf(state, rule, e.transition, ctx.now, grafana);
    for (const channel of channelsFor(rule, ctx.config.alerts.channels)) out.push([channel, notice]);
  }
  return out;
}

/**
 * Alertmanager forgets a pushed alert after its `endsAt` unless it hears again, so firing
 * alerts are re-pushed to Alertmanager channels every minute (as Prometheus does).
 */
export function refreshAlertmanager(
  states: ReadonlyMap<string, AlertState>,
  ctx: NotifyContext,
): { changed: AlertState[]; deliveries: Delivery[] } {
  const changed: AlertState[] = [];
  const deliveries: Delivery[] = [];
  const rules = new Map(ctx.config.alerts.rules.map((r) => [r.name, r]));
  for (const s of states.values()) {
    const rule = rules.get(s.rule);
    if (!rule || s.phase !== 'firing' || ctx.now - (s.refreshedAt ?? 0) < ALERTMANAGER_RESEND_MS) continue;
    const targets = channelsFor(rule, ctx.config.alerts.channels).filter((c) => c.type === 'alertmanager');
    if (!targets.length) continue;
    s.refreshedAt = ctx.now;
    changed.push(s);
    const notice = noticeOf(s, rule, 'reminder', ctx.now, ctx.config.grafana.url);
    for (const c of targets) deliveries.push([c, notice]);
  }
  return { changed, deliveries };
}

function noticeOf(
  s: AlertState,
  rule: RuleConfig,
  transition: Transition,
  now: number,
  grafana: string | undefined,
): AlertNotice {
  const resolved = transition === 'resolved';
  return {
    id: `${s.fingerprint}-${transition}-${now}`,
    fingerprint: s.fingerprint,
    status: resolved ? 'resolved' : 'firing',
    severity: rule.severity,
    labels: s.labels,
    annotations: s.annotations ?? {},
    startsAt: new Date(s.startsAt ?? now).toISOString(),
    endsAt: resolved ? new Date(now).toISOString() : '0001-01-01T00:00:00Z',
    generatorURL: dashboardUrl(grafana, s.labels),
  };
}

function rowOf(e: AlertEvent, now: number): AlertRow {
  const l = e.state.labels;
  const ev = e.evaluation;
  const a = e.state.annotations ?? {};
  return {
    timestamp: now,
    fingerprint: e.state.fingerprint,
    rule: e.rule.name,
    state: e.transition,
    severity: e.rule.severity,
    metric: e.rule.metric,
    service: l['service'] ?? '',
    provider: l['provider'] ?? '',
    model: l['model'] ?? '',
    route: l['route'] ?? '',
    evaluator: l['evaluator'] ?? '',
    value: finite(ev?.value),
    baseline: finite(ev?.baseline),
    p_value: finite(ev?.q, 1),
    sample_size: ev?.n ?? 0,
    baseline_size: ev?.nBaseline ?? 0,
    summary: a['summary'] ?? '',
    labels: l,
    annotations: a,
  };
}

function finite(v: number | undefined, fallback = 0): number {
  return v !== undefined && Number.isFinite(v) ? v : fallback;
}
