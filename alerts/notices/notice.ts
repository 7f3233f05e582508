import { formatDuration } from '../../core/duration.ts';
import type { RuleConfig } from '../config.ts';
import type { AlertContext } from '../series/context.ts';
import { driftDescription, driftSummary } from '../rules/drift.ts';
import { METRIC_DEFS } from '../rules/metrics.ts';
import { twoProportionTest } from '../stats/proportion.ts';
import type { Evaluation, SeriesLabels } from '../types.ts';

/** One notification, independent of the channel it goes to (Alertmanager's alert model). */
export interface AlertNotice {
  /** Idempotency key (`webhook-id`): one per notification, stable across delivery retries. */
  id: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  severity: RuleConfig['severity'];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** RFC 3339. */
  startsAt: string;
  /** RFC 3339; Alertmanager's zero time while firing. */
  endsAt: string;
  /** Link to the series' dashboard, '' without `grafana.url`. */
  generatorURL: string;
}

/** Alertmanager's "not ended" timestamp, as it appears in its own webhook bodies. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** `alertname`, the series labels (provider, route, service, model, evaluator), `metric`, `severity`. */
export function labelsFor(rule: RuleConfig, series: SeriesLabels): Record<string, string> {
  const labels: Record<string, string> = { alertname: rule.name };
  for (const [k, v] of Object.entries(series)) if (v !== undefined) labels[k] = v;
  labels['metric'] = rule.metric;
  labels['severity'] = rule.severity;
  return labels;
}

export function dashboardUrl(grafana: string | undefined, labels: SeriesLabels): string {
  if (!grafana) return '';
  const q = new URLSearchParams();
  if (labels.provider !== undefined) q.set('var-provider', labels.provider);
  if (labels.route !== undefined) q.set('var-route', labels.route);
  return `${grafana.replace(/\/$/, '')}/d/assay-provider-route?${q.toString()}`;
}

function pText(p: number): string {
  return p < 0.001 ? 'p<0.001' : `p=${p.toPrecision(2)}`;
}

function where(labels: SeriesLabels): string {
  const extra = [labels.model, labels.service].filter(Boolean).join(', ');
  const head = [labels.provider, labels.route].filter((v) => v !== undefined).join(' ');
  return `${head || 'all traffic'}${extra ? ` (${extra})` : ''}`;
}

/** "refusal pass rate on openai /api/refunds fell from 98.1% to 61.0% (n=412, p<0.001)". */
export function summaryOf(rule: RuleConfig, ev: Evaluation): string {
  if (rule.metric === 'judge_kappa') return driftSummary(rule, ev);
  const def = METRIC_DEFS[rule.metric];
  const name = `${ev.labels.evaluator ? `${ev.labels.evaluator} ` : ''}${def.title}`;
  if (rule.kind === 'threshold' && rule.threshold) {
    return `${name} on ${where(ev.labels)} is ${def.format(ev.value)} (bound ${rule.threshold.op} ${def.format(rule.threshold.value)}, n=${ev.n})`;
  }
  const verb = ev.value < ev.baseline ? 'fell' : 'rose';
  return `${name} on ${where(ev.labels)} ${verb} from ${def.format(ev.baseline)} to ${def.format(ev.value)} (n=${ev.n}, ${pText(ev.q)})`;
}

function descriptionOf(rule: RuleConfig, ev: Evaluation): string {
  if (rule.metric === 'judge_kappa') return driftDescription(rule, ev);
  const def = METRIC_DEFS[rule.metric];
  const win = formatDuration(ev.window === 'short' ? rule.short_window : rule.window);
  const ci =
    Number.isFinite(ev.ci[0]) && ev.ci[0] !== ev.ci[1]
      ? ` (95% CI ${def.format(ev.ci[0])}–${def.format(ev.ci[1])})`
      : '';
  const test =
    rule.kind === 'regression'
      ? `; one-sided ${ev.method} test p=${ev.p.toPrecision(2)}, FDR-adjusted ${pText(ev.q)}`
      : '';
  return (
    `current ${def.format(ev.value)}${ci} over the last ${win} (n=${ev.n}) vs baseline ${def.format(ev.baseline)} ` +
    `over the preceding ${formatDuration(rule.baseline)} (n=${ev.nBaseline})${test}`
  );
}

/** What the data says is behind the change: a new response model, one dominant evaluator, errors. */
export function likelyCause(rule: RuleConfig, ctx: AlertContext): string {
  const causes: string[] = [];
  const share = (part: number, whole: number) => `${Math.round((part / whole) * 100)}%`;
  // Calls that account for most of a semantic regression's failing calls (one evaluator, one model).
  const mostOfFailing = (calls: number) =>
    rule.metric === 'semantic_failure_rate' && ctx.failedCalls >= 3 && calls / ctx.failedCalls >= 0.6;
  const wTotal = ctx.models.reduce((s, m) => s + m.window, 0);
  const bTotal = ctx.models.reduce((s, m) => s + m.baseline, 0);
  const bTop = [...ctx.models].sort((a, b) => b.baseline - a.baseline)[0];
  if (bTop && bTotal > 0 && wTotal > 0) {
    // The model answering now: one the baseline (almost) never saw that answers at least a fifth
    // of the window (a rollout under way need not be the most frequent yet), or, early in a
    // rollout, a new one that answered most of the failing calls; else the window's most
    // frequent one.
    const failedBy = (model: string) => ctx.failedModels.find((f) => f.model === model)?.calls ?? 0;
    const failingNew = (m: AlertContext['models'][number]) =>
      m.window > 0 && mostOfFailing(failedBy(m.model));
    const fresh = ctx.models.filter((m) => m.baseline / bTotal < 0.01).sort((a, b) => b.window - a.window);
    const current =
      fresh.find((m) => m.window / wTotal >= 0.2) ??
      fresh.find(failingNew) ??
      [...ctx.models].sort((a, b) => b.window - a.window)[0];
    if (current && current.model !== bTop.model) {
      const failing = failingNew(current)
        ? `, ${share(failedBy(current.model), ctx.failedCalls)} of the failing calls`
        : '';
      causes.push(
        `response model changed: ${bTop.model} → ${current.model} (${share(current.window, wTotal)} of calls in the window${failing})`,
      );
    }
  }
  const ev = ctx.failedEvaluators[0];
  if (ev && mostOfFailing(ev.calls)) {
    causes.push(`${ev.evaluator} failed on ${share(ev.calls, ctx.failedCalls)} of the failing calls`);
  }
  const { window: w, baseline: b } = ctx.errors;
  if (rule.metric !== 'error_rate' && w.n > 0 && b.n > 0 && w.k / w.n - b.k / b.n >= 0.01) {
    if (twoProportionTest(w, b).p < 0.01) {
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      causes.push(`error rate also rose from ${pct(b.k / b.n)} to ${pct(w.k / w.n)}`);
    }
  }
  return causes.join('; ');
}

/** Annotations of a firing alert: summary, description, examples, likely cause, dashboard, numbers. */
export function annotationsFor(
  rule: RuleConfig,
  ev: Evaluation,
  ctx: AlertContext | undefined,
  grafana: string | undefined,
): Record<string, string> {
  const a: Record<string, string> = {
    summary: summaryOf(rule, ev),
    description: descriptionOf(rule, ev),
    value: String(ev.value),
    baseline: String(ev.baseline),
    p_value: String(ev.q),
    sample_size: String(ev.n),
    baseline_size: String(ev.nBaseline),
  };
  if (ctx?.exampleTraceIds.length) a['example_trace_ids'] = ctx.exampleTraceIds.join(',');
  const cause = ctx ? likelyCause(rule, ctx) : '';
  if (cause) a['likely_cause'] = cause;
  const dash = dashboardUrl(grafana, ev.labels);
  if (dash) a['dashboard'] = dash;
  return a;
}
