import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { createLeaderLock } from '../../core/leader-lock.ts';
import type { Logger } from '../../core/logger.ts';
import type { RedisClient } from '../../core/redis-client.ts';
import { CONVERSATION_RUBRICS } from '../judges/conversation-rubrics.ts';
import type { ConversationsConfig } from './config.ts';
import type { ConversationJudge } from './judge.ts';
import { conversationMetrics } from './metrics.ts';
import { loadConversations, type ClosedConversation } from './queries.ts';
import { buildTranscript } from './transcript.ts';
import { rowsOf, type ConversationScoreRow } from './rows.ts';

export interface ConversationCloserDeps {
  config: ConversationsConfig;
  clickhouse: ClickHouseClient;
  database: string;
  redis: RedisClient;
  /** BullMQ key prefix; the leader lock lives under it. */
  prefix: string;
  judge: ConversationJudge;
  logger: Logger;
  now?: () => number;
}

/** What one run did. */
export interface CloseRun {
  leader: boolean;
  /** Closed conversations read this run. */
  found: number;
  /** Conversations whose rows were written (every rubric answered or given up). */
  judged: number;
  /** Conversations left for a later run: the spend cap, or the endpoint deferred. */
  later: number;
}

export interface ConversationCloser {
  /** Runs once now (the leader only). */
  runOnce(): Promise<CloseRun>;
  /** Stops the timer, waits for a run in progress, releases the lock. Idempotent. */
  shutdown(): Promise<void>;
}

/** Conversations judged at once; the endpoint's own limits gate the requests further. */
const PARALLEL = 4;

/**
 * The conversation closer. Every `interval` one worker (a Redis leader lock, like the reconciler's)
 * asks ClickHouse for the conversations closed by `idle_timeout` and not yet judged under the
 * rubrics' versions, oldest first, at most `max_per_run`; reads their calls, builds each
 * transcript, has it judged and writes one `conversation_scores` row per rubric with an insert
 * deduplication token. What is judged lives in ClickHouse only, so a restart (or a new leader)
 * resumes where the last one stopped; a conversation the judge could not take now (spend cap,
 * rate limit, breaker) is simply found again by the next run.
 */
export function startConversationCloser(deps: ConversationCloserDeps): ConversationCloser {
  const cfg = deps.config;
  const now = deps.now ?? Date.now;
  const rubrics = cfg.rubrics.map((id) => CONVERSATION_RUBRICS.get(id)).filter((r) => r !== undefined);
  const versions = rubrics.map((r) => r.version);
  const lock = createLeaderLock(
    deps.redis,
    `${deps.prefix}:conversations:leader`,
    Math.max(2 * cfg.interval, 5000),
  );
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let lastErrorLog = 0;

  async function judgeOne(c: ClosedConversation): Promise<ConversationScoreRow[] | 'later'> {
    const todo = rubrics.filter((r) => !c.done.includes(r.version));
    const { outcomes, cutTokens } = await deps.judge.judgeTranscript(
      { ...c.dims, transcript: buildTranscript(c.calls), maxTokens: cfg.max_transcript_tokens },
      todo.map((r) => r.id),
    );
    if (cutTokens > 0) conversationMetrics.truncated.inc();
    if (outcomes.some((o) => o.kind === 'deferred' || (o.kind === 'skipped' && o.reason === 'spend_cap')))
      return 'later';
    return rowsOf(c, todo, outcomes, cutTokens > 0, cfg.sample_rate, now());
  }

  async function write(rows: ConversationScoreRow[]): Promise<void> {
    const token = createHash('sha256')
      .update(
        rows.map((r) => `${r.service}\u0000${r.conversation_id}\u0000${r.evaluator_version}`).join('\n'),
      )
      .digest('hex');
    await deps.clickhouse.insert({
      table: `${deps.database}.conversation_scores`,
      values: rows,
      format: 'JSONEachRow',
      clickhouse_settings: {
        insert_deduplication_token: token,
        deduplicate_blocks_in_dependent_materialized_views: 1,
        async_insert: 0,
      },
    });
    for (const r of rows) conversationMetrics.scored.inc({ evaluator: r.evaluator, outcome: r.outcome });
  }

  const runOnce = async (): Promise<CloseRun> => {
    const run: CloseRun = { leader: false, found: 0, judged: 0, later: 0 };
    if (!(await lock.acquire())) {
      conversationMetrics.runs.inc({ outcome: 'follower' });
      return run;
    }
    run.leader = true;
    const t = now();
    const closed = await loadConversations(deps.clickhouse, deps.database, {
      lo: t - cfg.lookback,
      closedBefore: t - cfg.idle_timeout,
      versions,
      sampleRate: cfg.sample_rate,
      limit: cfg.max_per_run,
      maxTurns: cfg.max_turns,
    });
    run.found = closed.length;
    const rows: ConversationScoreRow[] = [];
    for (let i = 0; i < closed.length && !stopped; i += PARALLEL) {
      const results = await Promise.all(closed.slice(i, i + PARALLEL).map(judgeOne));
      for (const r of results) {
        if (r === 'later') run.later++;
        else {
          rows.push(...r);
          run.judged++;
        }
      }
    }
    if (rows.length) await write(rows);
    if (run.later) conversationMetrics.later.inc(run.later);
    conversationMetrics.runs.inc({ outcome: 'ok' });
    return run;
  };

  const tick = (): void => {
    running = runOnce()
      .catch((err: unknown) => {
        conversationMetrics.runs.inc({ outcome: 'error' });
        if (Date.now() - lastErrorLog > 60_000) {
          lastErrorLog = Date.now();
          deps.logger.warn({ err }, 'conversation closer run failed; the next one tries again');
        }
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, cfg.interval).unref();
      });
  };
  timer = setTimeout(tick, cfg.interval).unref();

  let done: Promise<void> | undefined;
  return {
    runOnce,
    shutdown: () =>
      (done ??= (async () => {
        stopped = true;
        clearTimeout(timer);
        await running;
        await lock.release().catch(() => undefined);
      })()),
  };
}
