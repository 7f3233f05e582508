import type { ClickHouseClient } from '@clickhouse/client';
import { Queue } from 'bullmq';
import type { AssayConfig } from '../config.ts';
import { EVAL_QUEUE_NAME } from '../../core/eval-job.ts';
import type { Logger } from '../../core/logger.ts';
import { assertNoEviction, connectRedis } from '../../core/queue-redis.ts';
import type { RedisTarget } from '../../core/redis-client.ts';
import {
  bullRerunQueue,
  countStrata,
  createRedisRunStore,
  estimateJudgeSpend,
  evaluatorSet,
  judgeCostPerScore,
  judgeMarker,
  parseTimePoint,
  parseWhere,
  readPage,
  runId,
  runRerun,
  SelectionError,
  type EvaluatorSet,
  type RerunResult,
  type RerunSelection,
  type RunState,
  type RunStore,
} from '../../evaluators/rerun/index.ts';
import { openRuntime } from '../runtime.ts';
import { createProgressReporter } from './progress.ts';

/** `assay evaluate`'s flags as commander parses them. */
export interface EvaluateOptions {
  since: string;
  until?: string;
  where?: string[];
  evaluator?: string[];
  dryRun?: boolean;
  restart?: boolean;
  pageSize: string;
  maxQueueDepth: string;
}

/** A usage error of `assay evaluate`: printed as is, exit code 2. */
export class EvaluateUsageError extends Error {
  override name = 'EvaluateUsageError';
}

/** The flags, checked: what a run needs before it connects to anything. */
interface Args {
  id: string;
  set: EvaluatorSet;
  selection: RerunSelection;
  pageSize: number;
  maxQueueDepth: number;
  redis: RedisTarget;
}

/** Pages in flight at most, and how often job states are polled. */
const IN_FLIGHT_PAGES = 4;
const POLL_MS = 500;

/**
 * `assay evaluate`: re-scores stored calls with the current evaluators through the evaluation
 * queue (the running workers score them, under the judges' spend cap), resumable and
 * idempotent. Resolves with the exit code.
 */
export async function runEvaluate(
  config: AssayConfig,
  logger: Logger,
  opts: EvaluateOptions,
): Promise<number> {
  const args = checkArgs(config, opts, Date.now());
  // Migrations are the roles' business (a view replaced under running writers loses rows).
  const rt = await openRuntime(config, logger, { needRedis: false, migrate: false });
  const redis = await connectRedis(args.redis, 'producer').catch(async (err: unknown) => {
    await rt.shutdown();
    throw err;
  });
  const queue = new Queue(EVAL_QUEUE_NAME, { connection: redis, prefix: config.redis.prefix });
  queue.on('error', () => undefined); // failed commands reject; the run stops and can be resumed
  try {
    await assertNoEviction(redis);
    const store = createRedisRunStore(redis, config.redis.prefix);
    if (opts.restart && !opts.dryRun) await store.remove(args.id);
    const saved = opts.restart ? undefined : await store.load(args.id);
    // A resumed run keeps the range it started with (`--since 7d` is relative).
    if (saved) args.selection = { ...args.selection, fromMs: saved.from_ms, toMs: saved.to_ms };
    if (opts.dryRun) {
      await printDryRun(config, rt.clickhouse, args, saved);
      return 0;
    }
    if ((await queue.getWorkersCount().catch(() => -1)) === 0)
      process.stderr.write(
        'assay evaluate: no worker is consuming the evaluation queue yet; jobs wait until `assay worker` (or `assay start`) runs\n',
      );
    process.stdout.write(
      `${saved ? 'resuming' : 'starting'} run ${args.id}: ${namesOf(args.set)} (set ${args.set.key}) on calls from ${rangeOf(args.selection)}\n` +
        `${config.judges.endpoints.length ? `${capLine(config)}\n` : ''}`,
    );
    const result = await runWithProgress(config, rt.clickhouse, queue, store, args);
    return report(args, result);
  } finally {
    await queue.close().catch(() => undefined);
    await redis.quit().catch(() => redis.disconnect());
    await rt.shutdown();
  }
}

function checkArgs(config: AssayConfig, opts: EvaluateOptions, now: number): Args {
  const pageSize = positiveInt('--page-size', opts.pageSize, 10_000);
  const maxQueueDepth = positiveInt('--max-queue-depth', opts.maxQueueDepth, 10_000_000);
  let set: EvaluatorSet;
  let selection: RerunSelection;
  try {
    set = evaluatorSet(config.judges, opts.evaluator ?? []);
    const where = parseWhere(opts.where ?? []);
    const fromMs = parseTimePoint('--since', opts.since, now);
    const toMs = opts.until !== undefined ? parseTimePoint('--until', opts.until, now) : now;
    selection = { fromMs, toMs, where };
  } catch (err) {
    if (err instanceof SelectionError) throw new EvaluateUsageError(err.message);
    throw err;
  }
  if (selection.fromMs >= selection.toMs) throw new EvaluateUsageError('--since must be before --until');
  if (!config.clickhouse.url)
    throw new EvaluateUsageError(
      'assay evaluate reads the ClickHouse your roles write to: set clickhouse.url ' +
        '(with the embedded engine, the URL `assay start` or `assay clickhouse` serves on)',
    );
  if (config.redis.url === undefined && config.redis.cluster === undefined)
    throw new EvaluateUsageError(
      'assay evaluate queues jobs for the running workers: set redis.url (or redis.cluster) to their Redis',
    );
  const id = runId({ since: opts.since, until: opts.until ?? '', where: selection.where, setKey: set.key });
  return { id, set, selection, pageSize, maxQueueDepth, redis: config.redis };
}

function positiveInt(flag: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new EvaluateUsageError(`${flag} "${text}": expected a whole number from 1 to ${max}`);
  return n;
}

async function printDryRun(
  config: AssayConfig,
  clickhouse: ClickHouseClient,
  args: Args,
  saved: RunState | undefined,
): Promise<void> {
  const db = config.clickhouse.database;
  const strata = await countStrata(clickhouse, db, args.selection);
  const calls = strata.reduce((n, s) => n + s.calls, 0);
  const costs = await judgeCostPerScore(clickhouse, db, args.selection);
  const est = estimateJudgeSpend(strata, config.judges, config.sampling.judge_rate, args.set, costs);
  const usd = est.usd === undefined ? 'unknown' : `$${est.usd.toFixed(4)}`;
  const unpriced = est.unpriced.length ? ` (no stored cost for ${est.unpriced.join(', ')})` : '';
  process.stdout.write(
    `dry run: ${calls} calls from ${rangeOf(args.selection)} would be re-evaluated with ${namesOf(args.set)} (run ${args.id}, set ${args.set.key})\n` +
      `judges: about ${est.judgeCalls} judge calls, estimated spend ${usd}${unpriced}` +
      ' (an upper bound: the cascade skips calls a check fails, cached judgements cost nothing)\n' +
      `${capLine(config)}\n` +
      `${saved ? `resuming would start after ${saved.done} finished calls\n` : ''}`,
  );
}

/** Runs (or resumes) the run with a progress reporter on stdout; SIGINT/SIGTERM stop it resumably. */
async function runWithProgress(
  config: AssayConfig,
  clickhouse: ClickHouseClient,
  queue: Queue,
  store: RunStore,
  args: Args,
): Promise<RerunResult> {
  const db = config.clickhouse.database;
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = createProgressReporter({ stream: process.stdout });
  try {
    return await runRerun(
      {
        source: {
          readPage: (cursor, limit) => readPage(clickhouse, db, args.selection, cursor, limit),
          count: async () =>
            (await countStrata(clickhouse, db, args.selection)).reduce((n, s) => n + s.calls, 0),
        },
        queue: bullRerunQueue(queue),
        store,
      },
      {
        runId: args.id,
        setKey: args.set.key,
        evaluators: args.set.only,
        selection: args.selection,
        judgeMark: judgeMarker(config.judges, config.sampling.judge_rate),
      },
      {
        pageSize: args.pageSize,
        maxQueueDepth: args.maxQueueDepth,
        maxPagesInFlight: IN_FLIGHT_PAGES,
        pollMs: POLL_MS,
        signal: abort.signal,
        onProgress: (p) => progress.update(p),
      },
    );
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The last line and the exit code: 0, 1 when jobs failed, 130 when stopped (resumable). */
function report(args: Args, result: RerunResult): number {
  const s = result.state;
  const write = (line: string): boolean => process.stdout.write(`${line}\n`);
  if (result.alreadyFinished)
    write(
      `run ${args.id} already finished: ${s.done} calls, ${s.failed} failed; nothing queued (--restart runs it again over a new range)`,
    );
  else if (result.stopped) {
    write(`stopped after ${s.done} of ${s.total} calls; run the same command again to resume`);
    return 130;
  } else write(`re-evaluated ${s.done} calls with ${namesOf(args.set)}, ${s.failed} failed (run ${args.id})`);
  return s.failed > 0 ? 1 : 0;
}

const namesOf = (set: EvaluatorSet): string =>
  set.only.length ? set.only.join(', ') : `all ${set.members.length} evaluators`;

const rangeOf = (sel: RerunSelection): string =>
  `${new Date(sel.fromMs).toISOString()} to ${new Date(sel.toMs).toISOString()}`;

function capLine(config: AssayConfig): string {
  const b = config.judges.budget;
  const parts = [
    b.max_usd_per_hour !== undefined ? `$${b.max_usd_per_hour}/hour` : '',
    b.max_tokens_per_hour !== undefined ? `${b.max_tokens_per_hour} tokens/hour` : '',
  ].filter(Boolean);
  return parts.length
    ? `judge spend cap ${parts.join(', ')} (judges.budget) applies: judge work over it is skipped by the workers`
    : 'no judge spend cap (judges.budget) is set';
}
