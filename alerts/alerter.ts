import type { ClickHouseClient } from '@clickhouse/client';
import type { RedisClient } from '../core/redis-client.ts';
import type { Logger } from '../core/logger.ts';
import { counter, gauge } from '../core/metrics.ts';
import { sleep, type BackoffOptions } from '../core/retry.ts';
import type { RuleInput } from './rules/detector.ts';
import { evaluateTick, type TickOutcome } from './rules/engine.ts';
import { createClickhouseRecorder, type AlertRecorder } from './notices/history.ts';
import { createLeaderLock, type LeaderLock } from '../core/leader-lock.ts';
import { createDispatcher, type Dispatcher } from './notifiers/delivery.ts';
import type { AlerterConfig } from './config.ts';
import { handleEvents, refreshAlertmanager } from './notices/notify.ts';
import { createClickhouseSource, type SeriesSource } from './series/source.ts';
import { createRedisStateStore, type StateStore } from './state/state-store.ts';

export interface AlerterDeps {
  config: AlerterConfig;
  clickhouse: ClickHouseClient;
  redis: RedisClient;
  logger: Logger;
  /** The clock windows are computed with (the demo runs a faster virtual one). Default Date.now. */
  now?: () => number;
  /** Overrides for tests: where series come from, where state and history go, how HTTP is sent. */
  source?: SeriesSource;
  store?: StateStore;
  recorder?: AlertRecorder;
  fetch?: typeof fetch;
  backoff?: BackoffOptions;
}

export interface Alerter {
  /** Starts ticking every `alerts.interval` (ticks never overlap). */
  start(): Promise<void>;
  /** One tick now; `leader: false` when another alerter holds the lock. */
  tickOnce(): Promise<{ leader: boolean; outcome?: TickOutcome }>;
  /** Resolves once queued notifications have been delivered or given up on. */
  idle(): Promise<void>;
  /** Stops ticking, drains deliveries (bounded), flushes history, releases the lock. Idempotent. */
  shutdown(): Promise<void>;
}

const evaluationsTotal = counter({
  name: 'assay_alert_evaluations_total',
  help: 'Series evaluated per rule by outcome (breach, low_samples, small_effect, not_significant, in_bounds, error)',
  labelNames: ['rule', 'outcome'],
});
const firingGauge = gauge({
  name: 'assay_alerts_firing',
  help: 'Alerts currently firing',
  labelNames: ['rule'],
});
const tickErrors = counter({ name: 'assay_alert_tick_errors_total', help: 'Alerter ticks that failed' });
const ticksTotal = counter({
  name: 'assay_alert_ticks_total',
  help: 'Alerter ticks by role: leader (evaluated the rules) or standby (another alerter holds the lock)',
  labelNames: ['role'],
});
const lastTick = gauge({
  name: 'assay_alert_last_tick_timestamp_seconds',
  help: 'Wall-clock time of the last completed tick as leader; alert on it going stale',
});

/** The alerter role: one active instance (Redis lock), a tick every `alerts.interval`. */
export function createAlerter(deps: AlerterDeps): Alerter {
  const { config, logger } = deps;
  const cfg = config.alerts;
  const now = deps.now ?? Date.now;
  const prefix = config.redis.prefix;
  const lock: LeaderLock = createLeaderLock(
    deps.redis,
    `${prefix}:alerter:lock`,
    Math.max(3 * cfg.interval, 5000),
  );
  const store = deps.store ?? createRedisStateStore(deps.redis, `${prefix}:alerter:state`);
  const source = deps.source ?? createClickhouseSource(deps.clickhouse, config.clickhouse.database);
  const recorder =
    deps.recorder ?? createClickhouseRecorder(deps.clickhouse, config.clickhouse.database, logger);
  // Deliveries run on the wall clock even when detection runs on a virtual one: receivers check
  // `webhook-timestamp` against their own clock (Standard Webhooks: ±5 minutes).
  const dispatcher: Dispatcher = createDispatcher({
    logger,
    record: (a) => recorder.delivery(a),
    fetch: deps.fetch,
    backoff: deps.backoff,
  });
  const stop = new AbortController();
  let loop: Promise<void> | undefined;
  let closed: Promise<void> | undefined;

  const readInputs = async (t: number): Promise<RuleInput[]> => {
    const inputs = await Promise.all(
      cfg.rules.map(async (rule) => {
        try {
          return { rule, series: await source.read(rule, t) };
        } catch (err) {
          evaluationsTotal.inc({ rule: rule.name, outcome: 'error' });
          logger.warn(
            { err, rule: rule.name },
            'alert rule query failed; its alerts keep their state this tick',
          );
          return undefined;
        }
      }),
    );
    return inputs.filter((i): i is RuleInput => i !== undefined);
  };

  const tickOnce = async (): Promise<{ leader: boolean; outcome?: TickOutcome }> => {
    if (!(await lock.acquire())) {
      ticksTotal.inc({ role: 'standby' });
      return { leader: false };
    }
    const t = now();
    const prev = await store.load();
    const inputs = await readInputs(t);
    const outcome = evaluateTick(inputs, prev, cfg.fdr, t);
    const ctx = { config, source, recorder, logger, now: t };
    const deliveries = await handleEvents(outcome.events, ctx);
    const refresh = refreshAlertmanager(outcome.states, ctx);
    // State is saved before anything is sent: a crash after this point can lose a notice (the
    // reminder re-sends it) but never sends the same firing twice.
    await store.save([...outcome.changed, ...refresh.changed], outcome.removed);
    [...deliveries, ...refresh.deliveries].forEach(([channel, notice]) =>
      dispatcher.enqueue(channel, notice),
    );
    for (const ev of outcome.evaluations) evaluationsTotal.inc({ rule: ev.rule, outcome: ev.outcome });
    for (const rule of cfg.rules) {
      firingGauge.set(
        { rule: rule.name },
        [...outcome.states.values()].filter((s) => s.rule === rule.name && s.phase === 'firing').length,
      );
    }
    await recorder.flush();
    ticksTotal.inc({ role: 'leader' });
    lastTick.set(Date.now() / 1000);
    return { leader: true, outcome };
  };

  const run = async () => {
    while (!stop.signal.aborted) {
      try {
        await tickOnce();
      } catch (err) {
        tickErrors.inc();
        logger.error({ err }, 'alerter tick failed');
      }
      await sleep(cfg.interval, stop.signal);
    }
  };

  return {
    start: async () => {
      if (!cfg.enabled || loop || closed) return;
      loop = run();
    },
    tickOnce,
    idle: () => dispatcher.idle(),
    shutdown: () =>
      (closed ??= (async () => {
        stop.abort();
        await loop;
        await dispatcher.shutdown();
        await recorder
          .flush()
          .catch((err: unknown) => logger.warn({ err }, 'final alert history flush failed'));
        await lock.release().catch((err: unknown) => logger.warn({ err }, 'alerter lock release failed'));
      })()),
  };
}
