import { Queue } from 'bullmq';
import type { AssayConfig } from '../config.ts';
import { EVAL_QUEUE_NAME } from '../../core/eval-job.ts';
import type { Logger } from '../../core/logger.ts';
import { assertNoEviction, connectRedis } from '../../core/queue-redis.ts';
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
  type RerunSelection,
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

const positiveInt = (flag: string, text: string, max: number): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new EvaluateUsageError(`${flag} "${text}": expected a whole number from 1 to ${max}`);
  return n;
};

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
  const out = process.stdout;
  const pageSize = positiveInt('--page-size', opts.pageSize, 10_000);
  const maxQueueDepth = positiveInt('--max-queue-depth', opts.maxQueueDepth, 10_000_000);
  const now = Date.now();
  let set;
  let where;
  let fromMs;
  let toMs;
  try {
    set = evaluatorSet(config.judges, opts.evaluator ?? []);
    where = parseWhere(opts.where ?? []);
    fromMs = parseTimePoint('--since', opts.since, now);
    toMs = opts.until !== undefined ? parseTimePoint('--until', opts.until, now) : now;
  } catch (err) {
    if (err instanceof SelectionError) throw new EvaluateUsageError(err.message);
    throw err;
  }
  if (fromMs >= toMs) throw new EvaluateUsageError('--since must be before --until');
  if (!config.clickhouse.url)
    throw new EvaluateUsageError(
      'assay evaluate reads the ClickHouse your roles write to: set clickhouse.url ' +
        '(with the embedded engine, the URL `assay start` or `assay clickhouse` serves on)',
    );
  const target =
    config.redis.url !== undefined || config.redis.cluster !== undefined ? config.redis : undefined;
  if (!target)
    throw new EvaluateUsageError(
      'assay evaluate queues jobs for the running workers: set redis.url (or redis.cluster) to their Redis',
    );
  const id = runId({ since: opts.since, until: opts.until ?? '', where, setKey: set.key });
  // Migrations are the roles' business (a view replaced under running writers loses rows).
  const rt = await openRuntime(config, logger, { needRedis: false, migrate: false });
  const db = config.clickhouse.database;
  const redis = await connectRedis(target, 'producer').catch(async (err: unknown) => {
    await rt.shutdown();
    throw err;
  });
  const queue = new Queue(EVAL_QUEUE_NAME, { connection: redis, prefix: config.redis.prefix });
  queue.on('error', () => undefined); // failed commands reject; the run stops and can be resumed
  try {
    await assertNoEviction(redis);
    const store = createRedisRunStore(redis, config.redis.prefix);
    if (opts.restart && !opts.dryRun) await store.remove(id);
    const saved = opts.restart ? undefined : await store.load(id);
    const selection: RerunSelection = saved
      ? { fromMs: saved.from_ms, toMs: saved.to_ms, where }
      : { fromMs, toMs, where };
    const names = set.only.length ? set.only.join(', ') : `all ${set.members.length} evaluators`;
    const range = `${new Date(selection.fromMs).toISOString()} to ${new Date(selection.toMs).toISOString()}`;
    const judgeRate = config.sampling.judge_rate;
    if (opts.dryRun) {
      const strata = await countStrata(rt.clickhouse, db, selection);
      const calls = strata.reduce((n, s) => n + s.calls, 0);
      const costs = await judgeCostPerScore(rt.clickhouse, db, selection);
      const est = estimateJudgeSpend(strata, config.judges, judgeRate, set, costs);
      out.write(
        `dry run: ${calls} calls from ${range} would be re-evaluated with ${names} (run ${id}, set ${set.key})\n` +
          `judges: about ${est.judgeCalls} judge calls, estimated spend ${est.usd === undefined ? 'unknown' : `$${est.usd.toFixed(4)}`}` +
          `${est.unpriced.length ? ` (no stored cost for ${est.unpriced.join(', ')})` : ''}` +
          ' (an upper bound: the cascade skips calls a check fails, cached judgements cost nothing)\n' +
          `${capLine(config)}\n` +
          `${saved ? `resuming would start after ${saved.done} finished calls\n` : ''}`,
      );
      return 0;
    }
    const workers = await queue.getWorkersCount().catch(() => -1);
    if (workers === 0)
      process.stderr.write(
        'assay evaluate: no worker is consuming the evaluation queue yet; jobs wait until `assay worker` (or `assay start`) runs\n',
      );
    out.write(
      `${saved ? 'resuming' : 'starting'} run ${id}: ${names} (set ${set.key}) on calls from ${range}\n` +
        `${config.judges.endpoints.length ? `${capLine(config)}\n` : ''}`,
    );
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const progress = createProgressReporter({ stream: out });
    let result;
    try {
      result = await runRerun(
        {
          source: {
            readPage: (cursor, limit) => readPage(rt.clickhouse, db, selection, cursor, limit),
            count: async () =>
              (await countStrata(rt.clickhouse, db, selection)).reduce((n, s) => n + s.calls, 0),
          },
          queue: bullRerunQueue(queue),
          store,
        },
        {
          runId: id,
          setKey: set.key,
          evaluators: set.only,
          selection,
          judgeMark: judgeMarker(config.judges, judgeRate),
        },
        {
          pageSize,
          maxQueueDepth,
          maxPagesInFlight: 4,
          pollMs: 500,
          signal: abort.signal,
          onProgress: (p) => progress.update(p),
        },
      );
    } finally {
      progress.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const s = result.state;
    if (result.alreadyFinished) {
      out.write(
        `run ${id} already finished: ${s.done} calls, ${s.failed} failed; nothing queued (--restart runs it again over a new range)\n`,
      );
    } else if (result.stopped) {
      out.write(`stopped after ${s.done} of ${s.total} calls; run the same command again to resume\n`);
      return 130;
    } else {
      out.write(`re-evaluated ${s.done} calls with ${names}, ${s.failed} failed (run ${id})\n`);
    }
    return s.failed > 0 ? 1 : 0;
  } finally {
    await queue.close().catch(() => undefined);
    await redis.quit().catch(() => redis.disconnect());
    await rt.shutdown();
  }
}

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
