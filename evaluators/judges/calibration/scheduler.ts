import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { createLeaderLock } from '../../../core/leader-lock.ts';
import type { Logger } from '../../../core/logger.ts';
import { counter, gauge } from '../../../core/metrics.ts';
import type { RedisClient } from '../../../core/redis-client.ts';
import { sleep } from '../../../core/retry.ts';
import type { CalibrationConfig, JudgesConfig } from '../config.ts';
import { runCalibration, type CalibrationResult, type CalibrationTrigger } from './calibrate.ts';
import type { GoldenSet } from './golden.ts';
import { feedbackAgreement, insertCalibrationRows } from './store.ts';
import type { CalibrationTarget } from './types.ts';

const pairsTotal = counter<'outcome'>({
  name: 'assay_judge_calibration_pairs_total',
  help: 'Calibration of one judge endpoint on one golden set, by outcome: stored, spend_cap or unavailable (stopped, nothing stored), error',
  labelNames: ['outcome'],
});
const kappaGauge = gauge<'judge_model' | 'evaluator'>({
  name: 'assay_judge_calibration_kappa',
  help: "Cohen's kappa of the judge against its golden set at the last calibration run (NaN: undefined)",
  labelNames: ['judge_model', 'evaluator'],
});

/** What one check did: another worker holds the lock, nothing was due, or a run. */
export type CalibrationTick =
  | { kind: 'standby' }
  | { kind: 'not_due' }
  | { kind: 'ran'; trigger: CalibrationTrigger; result: CalibrationResult };

export interface CalibrationScheduler {
  /** Checks now, then every `min(interval, 1m)`. */
  start(): void;
  /** One check: under the lock, runs when the judge config changed or `interval` has passed. */
  tick(): Promise<CalibrationTick>;
  /** Stops checking and abandons a run in progress (nothing of it is stored). Idempotent. */
  shutdown(): Promise<void>;
}

export interface CalibrationSchedulerDeps {
  config: CalibrationConfig;
  /** Hashed (with the golden sets) to tell a judge config change: endpoints and rubrics. */
  judgesConfig: Pick<JudgesConfig, 'endpoints' | 'rubrics'>;
  judge: CalibrationTarget;
  sets: readonly GoldenSet[];
  redis: RedisClient;
  prefix: string;
  clickhouse: ClickHouseClient;
  database: string;
  logger: Logger;
  now?: () => number;
}

/**
 * What a calibration measures: the endpoints (URL, model, output mode), every rubric's stored
 * version (a template edit changes it), custom rubrics' pass thresholds and the golden sets' contents. A change of any is a new
 * judge config and is calibrated at once.
 */
export function judgeConfigHash(
  judges: Pick<JudgesConfig, 'endpoints'> & Partial<Pick<JudgesConfig, 'rubrics'>>,
  target: Pick<CalibrationTarget, 'rubrics'>,
  sets: readonly GoldenSet[],
): string {
  const parts = {
    endpoints: judges.endpoints.map((e) => [e.name, e.base_url, e.model, e.structured_output]),
    rubrics: target.rubrics.map((r) => [r.id, r.version]),
    // A custom rubric's threshold turns scores into verdicts: a new one is a new judge config.
    thresholds: (judges.rubrics ?? []).map((r) => [r.id, r.pass_threshold]),
    sets: sets.map((s) => [s.rubric, s.name, s.hash]),
  };
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

const LOCK_TTL_MS = 60_000;

/**
 * Calibration on a schedule, one worker at a time: a Redis lock (as the alerter's) and, in a
 * Redis hash, the config hash and time of the last complete run, so a restart does not run
 * again and a changed judge config (on any worker) runs at once. A pair stopped by the spend
 * cap or an unavailable endpoint leaves the run incomplete: it is tried again at the next check.
 */
export function createCalibrationScheduler(deps: CalibrationSchedulerDeps): CalibrationScheduler {
  const now = deps.now ?? Date.now;
  const cfg = deps.config;
  const stateKey = `${deps.prefix}:judge-calibration:state`;
  const lock = createLeaderLock(deps.redis, `${deps.prefix}:judge-calibration:lock`, LOCK_TTL_MS);
  const hash = judgeConfigHash(deps.judgesConfig, deps.judge, deps.sets);
  const stop = new AbortController();
  let loop: Promise<void> | undefined;
  let closed: Promise<void> | undefined;

  const due = async (): Promise<CalibrationTrigger | undefined> => {
    const state = await deps.redis.hgetall(stateKey);
    if (state['config_hash'] !== hash) return 'config_change';
    const last = Number(state['last_run_at'] ?? 0);
    return now() - last >= cfg.interval ? 'schedule' : undefined;
  };

  const run = async (trigger: CalibrationTrigger): Promise<CalibrationResult> => {
    const result = await runCalibration(
      deps.sets,
      {
        judge: deps.judge,
        now,
        maxWaitMs: cfg.max_wait,
        signal: stop.signal,
        feedback: (judgeModel, evaluator, version) =>
          feedbackAgreement(deps.clickhouse, deps.database, {
            judgeModel,
            evaluator,
            version,
            windowMs: cfg.feedback_window,
            now: now(),
          }),
      },
      { trigger, configHash: hash },
    );
    if (stop.signal.aborted) return { rows: [], outcomes: result.outcomes };
    await insertCalibrationRows(deps.clickhouse, deps.database, result.rows);
    for (const o of result.outcomes) pairsTotal.inc({ outcome: o.outcome });
    for (const r of result.rows)
      kappaGauge.set({ judge_model: r.judge_model, evaluator: r.evaluator }, r.kappa ?? NaN);
    const complete = result.outcomes.every((o) => o.outcome === 'stored');
    if (complete) await deps.redis.hset(stateKey, { config_hash: hash, last_run_at: String(now()) });
    deps.logger.info(
      {
        trigger,
        complete,
        pairs: result.outcomes,
        kappa: result.rows.map((r) => [r.evaluator, r.judge_model, r.kappa]),
      },
      'judge calibration run finished',
    );
    return result;
  };

  const tick = async (): Promise<CalibrationTick> => {
    if (!(await lock.acquire())) return { kind: 'standby' };
    // Renewed while a run lasts, so a long run is not taken over by another worker.
    const renew = setInterval(() => void lock.acquire().catch(() => undefined), LOCK_TTL_MS / 3);
    try {
      const trigger = await due();
      if (!trigger) return { kind: 'not_due' };
      return { kind: 'ran', trigger, result: await run(trigger) };
    } finally {
      clearInterval(renew);
      await lock.release().catch(() => undefined);
    }
  };

  const checkEvery = Math.min(cfg.interval, 60_000);
  const loopFn = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      try {
        await tick();
      } catch (err) {
        pairsTotal.inc({ outcome: 'error' });
        deps.logger.warn({ err }, 'judge calibration failed; tried again at the next check');
      }
      await sleep(checkEvery, stop.signal);
    }
  };

  return {
    start: () => {
      if (loop || closed) return;
      loop = loopFn();
    },
    tick,
    shutdown: () =>
      (closed ??= (async () => {
        stop.abort();
        await loop;
      })()),
  };
}
