import { z } from 'zod';
import { durationSchema } from '../core/duration.ts';
import { channelConfigSchema, type ChannelConfig } from './notifiers/schemas.ts';
import { nameSchema } from './notifiers/channel.ts';

/** What a rule can watch. Proportions are tested exactly/by score, means by Welch, p95 by exceedance. */
export const METRICS = [
  'pass_rate',
  'mean_score',
  'semantic_failure_rate',
  'error_rate',
  'latency_p95',
  'cost_per_call',
  'tokens_per_call',
  'judge_kappa',
  'conversation_pass_rate',
  'conversation_score',
] as const;
export type MetricName = (typeof METRICS)[number];

/**
 * Dimensions a rule may split its series by (a fixed whitelist: they become SQL identifiers).
 * `agent_name` and `tool` read the agent rollups (agent traffic only): `agent_name` with the
 * per-evaluator metrics and `semantic_failure_rate`, `tool` with the per-evaluator metrics.
 */
export const DIMENSIONS = [
  'provider',
  'route',
  'model',
  'service',
  'evaluator',
  'agent_name',
  'tool',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** The `kind` of a score row: Assay's checks and judges, other evaluators' scores, end-user feedback. */
export const SCORE_KINDS = ['check', 'judge', 'external', 'feedback'] as const;

/** Metrics read from `conversation_scores_1m` (closed conversations judged as a whole, migration 0011): per evaluator (`conversation_<rubric>`), splittable by agent_name. */
export const CONVERSATION_METRICS: readonly MetricName[] = ['conversation_pass_rate', 'conversation_score'];

/** Metrics that are per evaluator: `llm_scores_1m`'s and the conversation ones. */
export const SCORE_METRICS: readonly MetricName[] = ['pass_rate', 'mean_score', ...CONVERSATION_METRICS];

export {
  CHANNEL_TYPES,
  channelConfigSchema,
  type ChannelConfig,
  type ChannelType,
} from './notifiers/schemas.ts';

export const ruleConfigSchema = z
  .object({
    /** Alert name (`alertname` label); unique among rules. */
    name: nameSchema,
    /** `regression` (window vs baseline, statistical test) or `threshold` (plain bound). Default regression. */
    kind: z.enum(['regression', 'threshold']).default('regression'),
    /** What is watched. */
    metric: z.enum(METRICS),
    /** Evaluator id for `pass_rate` / `mean_score` (or split `by` evaluator instead). */
    evaluator: z.string().min(1).optional(),
    /**
     * `pass_rate` / `mean_score` only: read scores of this kind only — `check`, `judge`, `external`
     * (another evaluator's scores, `POST /v1/scores` or OTel evaluation events) or `feedback` (end
     * users). Keeps an external `refusal` apart from Assay's own. Default: every kind.
     */
    evaluator_kind: z.enum(SCORE_KINDS).optional(),
    /** Labels that split the series. Default `[provider, route]`. */
    by: z.array(z.enum(DIMENSIONS)).min(1).default(['provider', 'route']),
    /** The current window. Default `15m`. */
    window: durationSchema.default(900_000),
    /**
     * A second, shorter current window tested alongside `window` (both enter the FDR correction),
     * so a large regression is seen within minutes while small ones still get the long window's
     * power. `0s` turns it off, and so does a `window` no longer than it. Default `5m`.
     */
    short_window: durationSchema.default(300_000),
    /** Baseline: this long before the current window (the window itself excluded). Default `24h`. */
    baseline: durationSchema.default(86_400_000),
    /** Samples needed in the window and in the baseline before a series is tested. Default 30. */
    min_samples: z.number().int().min(1).default(30),
    /**
     * Smallest change worth a page. Proportions and scores in [0, 1]: `absolute` in rate units
     * (0.02 = 2 points) and `relative` to the *bad* side (failure share, 1 − pass rate, 1 − score).
     * Other metrics: `absolute` in the metric's unit, `relative` to the baseline value.
     * Defaults per metric: rates and scores absolute 0.02, relative 0.25; others absolute 0, relative 0.2.
     */
    min_effect: z
      .object({ absolute: z.number().min(0).optional(), relative: z.number().min(0).optional() })
      .strict()
      .prefault({}),
    /** Threshold rules: breach when `value <op> threshold.value`. */
    threshold: z
      .object({ op: z.enum(['>', '>=', '<', '<=']), value: z.number() })
      .strict()
      .optional(),
    /** Consecutive breaching ticks before pending turns firing. Default 2. */
    for: z.number().int().min(1).default(2),
    /** Consecutive ticks back in bounds before firing turns resolved. Default 3. */
    resolve_after: z.number().int().min(1).default(3),
    /** Re-notify a still-firing alert this often. Default `4h`. */
    repeat_interval: durationSchema.default(4 * 3_600_000),
    /** `critical`, `error`, `warning` or `info`. Default warning. */
    severity: z.enum(['critical', 'error', 'warning', 'info']).default('warning'),
    /** Channel names; empty → every configured channel. Default []. */
    channels: z.array(z.string()).default([]),
  })
  .strict()
  .superRefine((r, ctx) => {
    const isScore = SCORE_METRICS.includes(r.metric);
    if (isScore && !r.evaluator && !r.by.includes('evaluator'))
      ctx.addIssue({
        code: 'custom',
        path: ['evaluator'],
        message: `${r.metric} needs an evaluator or by: evaluator`,
      });
    if (!isScore && (r.evaluator || r.by.includes('evaluator')))
      ctx.addIssue({ code: 'custom', path: ['evaluator'], message: `${r.metric} is not per evaluator` });
    if (!isScore && r.evaluator_kind)
      ctx.addIssue({ code: 'custom', path: ['evaluator_kind'], message: `${r.metric} is not per evaluator` });
    const isConversation = CONVERSATION_METRICS.includes(r.metric);
    if (isConversation && r.evaluator_kind)
      ctx.addIssue({ code: 'custom', path: ['evaluator_kind'], message: `${r.metric} reads judges only` });
    if (r.by.includes('tool') && (!isScore || isConversation))
      ctx.addIssue({ code: 'custom', path: ['by'], message: `${r.metric} cannot be split by tool` });
    if (r.by.includes('agent_name') && !isScore && r.metric !== 'semantic_failure_rate')
      ctx.addIssue({ code: 'custom', path: ['by'], message: `${r.metric} cannot be split by agent_name` });
    if (r.kind === 'threshold' && !r.threshold)
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'required for threshold rules' });
  });
export type RuleConfig = z.output<typeof ruleConfigSchema>;
export type RuleConfigInput = z.input<typeof ruleConfigSchema>;

/**
 * Also used when `alerts.rules` is empty: judge drift. A judge model's Cohen's kappa against its
 * golden set (`judge_calibration`) below 0.6, or 0.2 lower than at its previous calibration run.
 */
export const JUDGE_DRIFT_RULE: RuleConfigInput = {
  name: 'judge_drift',
  kind: 'threshold',
  metric: 'judge_kappa',
  threshold: { op: '<', value: 0.6 },
  min_effect: { absolute: 0.2 },
  window: '48h',
  baseline: '30d',
  min_samples: 20,
  for: 1,
  resolve_after: 1,
  severity: 'warning',
};

/** Used when `alerts.rules` is empty: semantic failure rate by provider and route, to every channel. */
export const DEFAULT_RULE: RuleConfigInput = {
  name: 'semantic_failure_regression',
  kind: 'regression',
  metric: 'semantic_failure_rate',
  severity: 'critical',
};

export const alertsConfigSchema = z
  .object({
    /** Run the alerter. Default true. */
    enabled: z.boolean().default(true),
    /** How often every rule is evaluated. At least `1s` (tests). Default `30s`. */
    interval: durationSchema.default(30_000).refine((ms) => ms >= 1000, 'at least 1s'),
    /**
     * False-discovery rate (Benjamini–Hochberg) across every series tested in one tick. Default
     * 0.001: with overlapping windows, each series is re-tested about 100 times a day.
     */
    fdr: z.number().gt(0).lt(1).default(0.001),
    /** Notification targets. Default []. */
    channels: z.array(channelConfigSchema).default([]),
    /** Rules; empty → {@link DEFAULT_RULE} and {@link JUDGE_DRIFT_RULE}. */
    rules: z.array(ruleConfigSchema).default([]),
  })
  .strict()
  .transform((cfg, ctx) => {
    const rules = cfg.rules.length
      ? cfg.rules
      : [ruleConfigSchema.parse(DEFAULT_RULE), ruleConfigSchema.parse(JUDGE_DRIFT_RULE)];
    const names = new Set(cfg.channels.map((c) => c.name));
    if (names.size !== cfg.channels.length)
      ctx.addIssue({ code: 'custom', path: ['channels'], message: 'duplicate channel name' });
    if (new Set(rules.map((r) => r.name)).size !== rules.length)
      ctx.addIssue({ code: 'custom', path: ['rules'], message: 'duplicate rule name' });
    rules.forEach((r, i) =>
      r.channels.forEach((c, j) => {
        if (!names.has(c))
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, 'channels', j],
            message: `unknown channel "${c}"`,
          });
      }),
    );
    return { ...cfg, rules };
  });
export type AlertsConfig = z.output<typeof alertsConfigSchema>;
export type AlertsConfigInput = z.input<typeof alertsConfigSchema>;

/** The channels a rule notifies (all configured ones when it names none). */
export function channelsFor(rule: RuleConfig, channels: readonly ChannelConfig[]): ChannelConfig[] {
  return rule.channels.length ? channels.filter((c) => rule.channels.includes(c.name)) : [...channels];
}

/** Whether the rule tests a short window besides `window`. */
export function hasShortWindow(rule: Pick<RuleConfig, 'window' | 'short_window'>): boolean {
  return rule.short_window > 0 && rule.short_window < rule.window;
}

/** The `grafana` section, read by the alerts' notices (links to the dashboard of a series). */
export const grafanaConfigSchema = z
  .object({
    /** Base URL of Grafana; alerts then link to the dashboard of their series. */
    url: z.string().url().optional(),
  })
  .strict();

export type GrafanaConfig = z.output<typeof grafanaConfigSchema>;

/** What the alerter is handed of the whole config: its own sections and the two names it shares. */
export interface AlerterConfig {
  alerts: AlertsConfig;
  grafana: GrafanaConfig;
  /** The leader lock lives under the queue's Redis prefix. */
  redis: { prefix: string };
  /** The database the series and the alert history are in. */
  clickhouse: { database: string };
}
