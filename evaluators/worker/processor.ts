import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { evalJobSchema, type EvalJob } from '../../core/eval-job.ts';
import { backoffDelay } from '../../core/retry.ts';
import type { CheckPlan } from '../checks/index.ts';
import type { JudgeRunner } from '../judges/index.ts';
import type { ScoreRow, VerdictRow } from '../scores/rows.ts';
import type { ScoreWriters } from '../scores/writer.ts';
import { isAgentCall } from '../checks/tool-loop.ts';
import type { RelatedCalls } from '../checks/index.ts';
import type { CallLoader, StoredCall } from './call-loader.ts';
import type { RelatedLoader } from './related-loader.ts';
import { JobAttemptError, JobGivenUpError } from './errors.ts';
import { chooseJudges, judgeRows, runChecks } from './evaluate.ts';
import { workerMetrics } from './metrics.ts';

export interface ProcessorDeps {
  loader: CallLoader;
  /** Reads the trace's other calls for checks that need them (`tool_loop`); absent → those checks do not apply. */
  related?: RelatedLoader;
  checks: CheckPlan;
  judges: JudgeRunner | null;
  writers: Pick<ScoreWriters, 'scores' | 'verdicts'>;
  /** Starts (deferrals included) after which deferred judges are given up. */
  maxStarts: number;
  /** Age of a job (since it was queued) after which it stops waiting for its dependencies, ms. Default 1 h. */
  retryForMs?: number;
  now?: () => number;
}

/** Attempts a job failing for an unknown reason (a bug, not a dependency) gets. */
const OTHER_ATTEMPTS = 5;
/** Deferral delays while the judge endpoint is unavailable: at least its Retry-After, growing to 1 min. */
const DEFER_BACKOFF = { initialMs: 1000, maxMs: 60_000, jitter: 0.3 };

/** Marks job data that BullMQ could not parse as JSON (see `EvalWorker.createJob`). */
export const UNPARSEABLE = '__assay_unparseable_job_data';

/** What a processed job ended as; the `outcome` label of `assay_jobs_processed_total`. */
export type ProcessOutcome = 'completed' | 'delayed';

/**
 * The job processor: validate the payload, read the call by key, run the checks, then (cascade)
 * the judges, write the rows, and only then let BullMQ complete the job — so a job whose worker
 * dies before its rows are stored runs again, and `beforeInsert` drops whatever it had written.
 * Judges deferred by their breaker or rate limit: the check rows are written and the job is
 * delayed (not failed, not lost) until the judge endpoint is expected back.
 */
export function createProcessor(deps: ProcessorDeps): (job: Job, token?: string) => Promise<ProcessOutcome> {
  const now = deps.now ?? Date.now;
  const retryForMs = deps.retryForMs ?? 3_600_000;
  const attempt = attemptOnce(deps, now, retryForMs);
  return async (job, token) => {
    try {
      return await attempt(job, token);
    } catch (err) {
      throw giveUpWhenDue(err, job, now() - (job.timestamp ?? now()), retryForMs);
    }
  };
}

/**
 * A dependency failure is retried (BullMQ backoff) until the job is `retryForMs` old, then given
 * up; an unknown error (a bug) gets `OTHER_ATTEMPTS` attempts.
 */
function giveUpWhenDue(err: unknown, job: Job, ageMs: number, retryForMs: number): unknown {
  if (err instanceof DelayedError || err instanceof UnrecoverableError) return err;
  if (err instanceof JobAttemptError)
    return ageMs >= retryForMs
      ? new JobGivenUpError(err.reason, `${err.message}; given up after ${Math.round(ageMs / 1000)} s`, {
          cause: err,
        })
      : err;
  return job.attemptsMade + 1 >= OTHER_ATTEMPTS
    ? new JobGivenUpError('other', (err as Error).message, { cause: err })
    : err;
}

function attemptOnce(deps: ProcessorDeps, now: () => number, retryForMs: number) {
  return async (job: Job, token?: string): Promise<ProcessOutcome> => {
    const data = parsePayload(job.data);
    const call = await loadCall(deps.loader, data);
    const related = await loadRelated(deps, data, call);
    const checks = runChecks(deps.checks, data, call, now(), related);
    // A re-evaluation restricted to some evaluators still runs every check: the cascade decides
    // on all of them, as it did when the call was first scored; only the rows are restricted.
    const keep = selectedBy(data);
    const rows: ScoreRow[] = checks.rows.filter((r) => keep(r.evaluator));
    const failed = [...checks.failed];
    const unsure = new Set(checks.unsure.map((u) => u.check));
    let deferral: { evaluators: string[]; retryAfterMs: number } | undefined;
    const chosen =
      deps.judges && call.status === 'ok'
        ? chooseJudges(deps.judges.plan, data, checks).filter((c) => keep(c.evaluator))
        : [];
    if (deps.judges && chosen.length > 0) {
      const t0 = performance.now();
      const outcomes = await deps.judges.run(
        {
          ...dims(data),
          trace_id: data.trace_id,
          span_id: data.span_id,
          prompt: call.prompt,
          response: call.response,
        },
        chosen.map((c) => c.evaluator),
      );
      workerMetrics.seconds.observe({ kind: 'judge' }, (performance.now() - t0) / 1000);
      const judged = judgeRows(outcomes, chosen, data, now(), call.agent_name);
      rows.push(...judged.rows);
      failed.push(...judged.failed);
      for (const check of judged.settled) unsure.delete(check);
      if (judged.deferred.length > 0) {
        const age = now() - (job.timestamp ?? now());
        if (job.attemptsStarted < deps.maxStarts && age < retryForMs) {
          // Retry-After says when the endpoint may take work again; a storm that keeps on
          // deferring spaces the job's starts out, so a long one costs few starts.
          const backoff = backoffDelay(Math.max(0, job.attemptsStarted - 1), DEFER_BACKOFF);
          deferral = { evaluators: judged.deferred, retryAfterMs: Math.max(judged.retryAfterMs, backoff) };
        } else
          for (const e of judged.deferred)
            workerMetrics.evaluations.inc({ evaluator: e, outcome: 'gave_up' });
      }
    }
    if (deferral) {
      await write(deps.writers, rows, undefined);
      await job.moveToDelayed(now() + Math.max(1000, deferral.retryAfterMs), token);
      workerMetrics.processed.inc({ outcome: 'delayed' });
      throw new DelayedError();
    }
    // A re-evaluation writes scores only: the call's verdict row (the semantic failure rate) stays
    // the one of its first evaluation, as `call_verdicts` holds one row per call.
    await write(deps.writers, rows, data.rerun ? undefined : verdict(data, call, failed, [...unsure]));
    return 'completed';
  };
}

function parsePayload(raw: unknown): EvalJob {
  if (typeof raw === 'object' && raw !== null && UNPARSEABLE in raw)
    throw new UnrecoverableError('invalid evaluation job payload (job data is not JSON)');
  const parsed = evalJobSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new UnrecoverableError(`invalid evaluation job payload (${where})`);
}

async function loadCall(loader: CallLoader, job: EvalJob): Promise<StoredCall> {
  let call: StoredCall | undefined;
  try {
    call = await loader.load(job);
  } catch (err) {
    throw new JobAttemptError('clickhouse', 'reading the call from ClickHouse failed', { cause: err });
  }
  // The collector queues a call only once its row is written, but a replica's read may lag.
  if (!call)
    throw new JobAttemptError('call_not_found', `call ${job.trace_id}/${job.span_id} not found (yet)`);
  return call;
}

/** The trace's other calls, read only for an agent call some planned check needs them for. */
async function loadRelated(
  deps: ProcessorDeps,
  job: EvalJob,
  call: StoredCall,
): Promise<RelatedCalls | undefined> {
  if (!deps.related || !isAgentCall(call) || !deps.checks.checksFor(job).some((c) => c.needsRelated))
    return undefined;
  try {
    return await deps.related.load(job, call);
  } catch (err) {
    throw new JobAttemptError('clickhouse', "reading the trace's calls from ClickHouse failed", {
      cause: err,
    });
  }
}

/** Which evaluators' rows a job keeps: a re-evaluation's list, else (and when empty) all. */
function selectedBy(job: EvalJob): (evaluator: string) => boolean {
  const only = job.rerun?.evaluators;
  if (!only || only.length === 0) return () => true;
  const set = new Set(only);
  return (e) => set.has(e);
}

const dims = (j: EvalJob) => ({ service: j.service, provider: j.provider, route: j.route, model: j.model });

function verdict(job: EvalJob, call: StoredCall, failed: string[], unsure: string[]): VerdictRow {
  return {
    timestamp: job.timestamp,
    trace_id: job.trace_id,
    span_id: job.span_id,
    // Written out, not spread: properties after a spread cost about 2 µs each on Node 20.
    service: job.service,
    provider: job.provider,
    route: job.route,
    model: job.model,
    agent_name: call.agent_name,
    conversation_id: call.conversation_id,
    status: call.status,
    failed: failed.length > 0 ? 1 : 0,
    failed_evaluators: [...new Set(failed)],
    unsure_evaluators: unsure,
    sample_weight: 1 / job.probability,
  };
}

/** Resolves once the rows are in ClickHouse (or durably spooled); refuses when the writers are full. */
async function write(
  writers: ProcessorDeps['writers'],
  rows: ScoreRow[],
  v: VerdictRow | undefined,
): Promise<void> {
  const pending: Promise<void>[] = [];
  if (rows.length) {
    const r = writers.scores.add(rows);
    if (!r.accepted) throw new JobAttemptError('writer_full', 'score writer buffer is full');
    pending.push(r.done);
  }
  if (v) {
    const r = writers.verdicts.add([v]);
    if (!r.accepted) throw new JobAttemptError('writer_full', 'verdict writer buffer is full');
    pending.push(r.done);
  }
  try {
    await Promise.all(pending);
  } catch (err) {
    throw new JobAttemptError('clickhouse', 'writing scores failed', { cause: err });
  }
}
