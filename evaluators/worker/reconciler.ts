import type { ClickHouseClient } from '@clickhouse/client';
import type { Queue } from 'bullmq';
import type { RedisClient } from '../../core/redis-client.ts';
import type { ReconcileConfig } from './config.ts';
import { EVAL_JOB_NAME, evalJobId, evalJobSchema, type EvalJob } from '../../core/eval-job.ts';
import { createLeaderLock } from '../../core/leader-lock.ts';
import type { Logger } from '../../core/logger.ts';
import { counter } from '../../core/metrics.ts';
import { EVAL_JOB_OPTIONS } from '../../core/eval-queue-options.ts';

export interface ReconcilerDeps {
  config: ReconcileConfig;
  clickhouse: ClickHouseClient;
  database: string;
  redis: RedisClient;
  queue: Queue;
  /** BullMQ key prefix; the leader lock lives under it. */
  prefix: string;
  logger: Logger;
  now?: () => number;
}

export interface Reconciler {
  /** Runs once now (the leader only); resolves with what it did. */
  runOnce(): Promise<ReconcileRun>;
  /** Stops the timer, waits for a run in progress, releases the lock. Idempotent. */
  shutdown(): Promise<void>;
}

/** What one run did with the calls it found without a verdict. */
export interface ReconcileRun {
  leader: boolean;
  /** Queued again: no job existed. */
  queued: number;
  /** A job given up earlier was queued afresh with its own data. */
  retried: number;
  /** A job still waiting, delayed or active: left alone. */
  pending: number;
}

const reconciled = counter({
  name: 'assay_eval_reconciled_total',
  help: 'Sampled calls found without a verdict by the reconciler, by action (queued, retried, pending)',
  labelNames: ['action'],
});
const runs = counter({
  name: 'assay_eval_reconcile_runs_total',
  help: 'Reconciler runs, by outcome (ok, error, follower)',
  labelNames: ['outcome'],
});

/** The call's time is scanned in slices this long, so one query never holds a day of keys. */
const SLICE_MS = 30 * 60_000;
const PENDING = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

interface Missing {
  trace_id: string;
  span_id: string;
  ts: string | number;
  service: string;
  provider: string;
  model: string;
  route: string;
}

/**
 * The reconciler: every `interval`, one worker (a Redis leader lock) reads the calls marked
 * `sampled = 1` between `lookback` and `after` ago that have no `call_verdicts` row, oldest first,
 * at most `max_per_run` of them, and makes sure each has a live job under its deterministic id.
 * A call with no job (lost with Redis, never queued, removed) gets a new one, weighted as if taken
 * with certainty, as the spool replay does (the sampling probability is not stored with the call).
 */
export function startReconciler(deps: ReconcilerDeps): Reconciler {
  const cfg = deps.config;
  const now = deps.now ?? Date.now;
  const lock = createLeaderLock(
    deps.redis,
    `${deps.prefix}:reconciler:leader`,
    Math.max(2 * cfg.interval, 5000),
  );
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let lastErrorLog = 0;

  const runOnce = async (): Promise<ReconcileRun> => {
    const run: ReconcileRun = { leader: false, queued: 0, retried: 0, pending: 0 };
    if (!(await lock.acquire())) {
      runs.inc({ outcome: 'follower' });
      return run;
    }
    run.leader = true;
    const hi = now() - cfg.after;
    let budget = cfg.max_per_run;
    for (let lo = hi - cfg.lookback; lo < hi && budget > 0 && !stopped; lo += SLICE_MS) {
      const missing = await findMissing(deps, lo, Math.min(hi, lo + SLICE_MS), budget);
      budget -= missing.length;
      for (const m of missing) run[await ensureJob(deps.queue, m)]++;
    }
    for (const action of ['queued', 'retried', 'pending'] as const)
      if (run[action]) reconciled.inc({ action }, run[action]);
    runs.inc({ outcome: 'ok' });
    if (run.queued + run.retried > 0)
      deps.logger.info(
        { queued: run.queued, retried: run.retried },
        'reconciler queued calls without a verdict',
      );
    return run;
  };

  const tick = (): void => {
    running = runOnce()
      .catch((err: unknown) => {
        runs.inc({ outcome: 'error' });
        if (Date.now() - lastErrorLog > 60_000) {
          lastErrorLog = Date.now();
          deps.logger.warn({ err }, 'reconciler run failed; the next one tries again');
        }
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, cfg.interval).unref();
      });
  };
  timer = setTimeout(tick, cfg.interval).unref();

  let closed: Promise<void> | undefined;
  return {
    runOnce,
    shutdown: () =>
      (closed ??= (async () => {
        stopped = true;
        clearTimeout(timer);
        await running;
        await lock.release().catch(() => undefined);
      })()),
  };
}

async function findMissing(deps: ReconcilerDeps, lo: number, hi: number, limit: number): Promise<Missing[]> {
  const db = deps.database;
  const rs = await deps.clickhouse.query({
    query: `SELECT DISTINCT trace_id, span_id, toUnixTimestamp64Milli(timestamp) AS ts, service, provider, model, route
      FROM ${db}.llm_calls
      WHERE sampled = 1
        AND timestamp >= fromUnixTimestamp64Milli({lo:Int64}) AND timestamp < fromUnixTimestamp64Milli({hi:Int64})
        AND (trace_id, span_id) NOT IN (
          SELECT trace_id, span_id FROM ${db}.call_verdicts
          WHERE timestamp >= fromUnixTimestamp64Milli({lo:Int64}) AND timestamp < fromUnixTimestamp64Milli({hi:Int64}))
      ORDER BY ts
      LIMIT {limit:UInt32}`,
    query_params: { lo, hi, limit },
    format: 'JSONEachRow',
  });
  return rs.json<Missing>();
}

/** Makes sure the call has a live job; says what that took. */
async function ensureJob(queue: Queue, m: Missing): Promise<'queued' | 'retried' | 'pending'> {
  const id = evalJobId(m);
  const state = await queue.getJobState(id);
  if (PENDING.has(state)) return 'pending';
  // A completed job's verdict is on its way (a spooled write); it is looked at again next run.
  if (state === 'completed') return 'pending';
  let data: EvalJob = {
    v: 1,
    trace_id: m.trace_id,
    span_id: m.span_id,
    timestamp: Number(m.ts),
    service: m.service,
    provider: m.provider,
    model: m.model,
    route: m.route,
    probability: 1,
    judge: false,
    judge_probability: 0,
  };
  if (state === 'failed') {
    // Queued afresh (not `retry`): the job's age restarts, so it gets a whole `retry_for` again.
    const job = await queue.getJob(id);
    const own = evalJobSchema.safeParse(job?.data);
    if (own.success) data = own.data;
    await job?.remove();
  }
  await queue.add(EVAL_JOB_NAME, data, { ...EVAL_JOB_OPTIONS, jobId: id });
  return state === 'failed' ? 'retried' : 'queued';
}
