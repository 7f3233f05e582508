import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../core/logger.ts';
import { TRACES_PER_QUERY, lookupCalls, lookupCallsByResponse, type CallDims } from './call-lookup.ts';
import type { ScoresConfig } from './config.ts';
import type { ExternalScore } from './item.ts';
import { scoreMetrics as m } from './metrics.ts';

export interface ScoreStoreDeps {
  client: ClickHouseClient;
  database: string;
  config: ScoresConfig;
  logger: Logger;
  now?: () => number;
}

/** What one `accept` did: written to `llm_scores`, kept waiting for their call, already stored. */
export interface StoreResult {
  stored: number;
  waiting: number;
  duplicates: number;
}

/** A `score_inbox` row as read back. */
type InboxRow = ExternalScore & { received_at: number };

const keyOf = (
  s: Pick<ExternalScore, 'trace_id' | 'span_id' | 'evaluator' | 'evaluator_version' | 'source'>,
) => `${s.trace_id}|${s.span_id}|${s.evaluator}|${s.evaluator_version}|${s.source}`;

/** A score's key before its call is known: by trace and span, or by response id when that is all it has. */
const requestKeyOf = (s: ExternalScore) =>
  s.trace_id ? keyOf(s) : `response:${s.response_id}|${s.evaluator}|${s.evaluator_version}|${s.source}`;

/** Slack around the calls' times when bounding the duplicate lookup (partition pruning). */
const SLACK_MS = 1000;

/**
 * Where scores from outside Assay go. `accept` answers only once every score is in ClickHouse
 * (synchronous inserts, so a 200 means kept): scores whose call is stored go straight to
 * `llm_scores` with the call's time and dimensions; the others to `score_inbox`, from where
 * the resolver moves them once their call arrives, or marks them orphaned after
 * `resolve_wait`. Idempotent by (call, evaluator, version, source): what is already stored is
 * skipped, and each insert carries a dedup token so a retried insert counts once.
 */
export class ScoreStore {
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private closed = false;

  constructor(private readonly deps: ScoreStoreDeps) {
    this.now = deps.now ?? Date.now;
  }

  async accept(scores: ExternalScore[]): Promise<StoreResult> {
    const unique = new Map<string, ExternalScore>();
    for (const s of scores) if (!unique.has(requestKeyOf(s))) unique.set(requestKeyOf(s), s);
    let duplicates = scores.length - unique.size;
    const list = [...unique.values()];
    const { matched, unmatched } = await this.match(list);
    const at = this.now();
    const written = await this.writeScores(
      matched.map((x) => ({ ...x, scoredAt: at })),
      'direct',
    );
    duplicates += matched.length - written;
    if (unmatched.length > 0) {
      await this.insert(
        'score_inbox',
        unmatched.map((s) => inboxRow(s, at, 'pending', 1)),
      );
      m.waiting.inc(unmatched.length);
    }
    if (duplicates > 0) m.duplicates.inc(duplicates);
    return { stored: written, waiting: unmatched.length, duplicates };
  }

  /** Looks up waiting scores every `resolve_interval` (never two passes at once). */
  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.resolvePending()
        .catch((err: unknown) => this.deps.logger.warn({ err }, 'resolving waiting external scores failed'))
        .finally(() => (this.running = undefined));
    }, this.deps.config.resolve_interval);
    this.timer.unref();
  }

  /** One resolver pass: waiting scores whose call is now stored move to `llm_scores`. */
  async resolvePending(): Promise<{ resolved: number; orphaned: number }> {
    const { client, database, config } = this.deps;
    const rs = await client.query({
      query: `SELECT trace_id, span_id, response_id, evaluator, evaluator_version, kind, source, score, passed, outcome,
          label, reason, toUnixTimestamp64Milli(received_at) AS received_at
        FROM ${database}.score_inbox FINAL WHERE state = 'pending'
        ORDER BY received_at, trace_id, span_id, response_id, evaluator, evaluator_version, source LIMIT {n:UInt32}`,
      query_params: { n: config.resolve_batch },
      format: 'JSONEachRow',
    });
    const rows = (await rs.json<InboxRow>()).map((r) => ({ ...r, received_at: Number(r.received_at) }));
    if (rows.length === 0) return { resolved: 0, orphaned: 0 };
    const { matched, unmatched } = await this.match(rows);
    // Deterministic rows (scored_at = when the score was received, a stable order): two
    // collectors resolving the same waiting scores at once send identical inserts, which the
    // insert dedup token turns into one.
    await this.writeScores(
      matched.map((x) => ({ ...x, scoredAt: x.score.received_at })),
      'resolved',
    );
    const now = this.now();
    const expired = unmatched.filter((r) => now - r.received_at >= config.resolve_wait);
    const done = [
      ...matched.map(({ score }) =>
        inboxRow(score as InboxRow, (score as InboxRow).received_at, 'resolved', 2),
      ),
      ...expired.map((r) => inboxRow(r, r.received_at, 'orphaned', 2)),
    ];
    if (done.length > 0) await this.insert('score_inbox', done);
    if (expired.length > 0) {
      m.orphaned.inc(expired.length);
      this.deps.logger.warn(
        { orphaned: expired.length, wait_ms: config.resolve_wait },
        'external scores whose call never arrived are kept in score_inbox as orphaned',
      );
    }
    return { resolved: matched.length, orphaned: expired.length };
  }

  /** Stops the resolver (a pass in flight finishes). Idempotent. */
  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async match<S extends ExternalScore>(
    scores: S[],
  ): Promise<{ matched: { score: S; call: CallDims }[]; unmatched: S[] }> {
    const { client, database } = this.deps;
    const byTrace = scores.filter((s) => s.trace_id);
    const byResponseId = scores.filter((s) => !s.trace_id);
    const { bySpan, lastOfTrace } = await lookupCalls(
      client,
      database,
      byTrace.map((s) => s.trace_id),
    );
    const byResponse =
      byResponseId.length > 0
        ? await lookupCallsByResponse(
            client,
            database,
            byResponseId.map((s) => s.response_id),
          )
        : new Map<string, CallDims>();
    const matched: { score: S; call: CallDims }[] = [];
    const unmatched: S[] = [];
    for (const s of scores) {
      const call = !s.trace_id
        ? byResponse.get(s.response_id)
        : s.span_id
          ? bySpan.get(`${s.trace_id}-${s.span_id}`)
          : lastOfTrace.get(s.trace_id);
      if (call) matched.push({ score: s, call });
      else unmatched.push(s);
    }
    return { matched, unmatched };
  }

  /** Writes the scores not stored yet; returns how many were written. */
  private async writeScores(
    matched: { score: ExternalScore; call: CallDims; scoredAt: number }[],
    path: 'direct' | 'resolved',
  ): Promise<number> {
    if (matched.length === 0) return 0;
    const rows = matched.map(({ score, call, scoredAt }) => scoreRow(score, call, scoredAt));
    const stored = await this.storedKeys(rows);
    const fresh = rows.filter((r) => !stored.has(keyOf(r)));
    if (fresh.length === 0) return 0;
    await this.insert('llm_scores', fresh);
    for (const r of fresh) m.stored.inc({ kind: r.kind, path });
    return fresh.length;
  }

  /** Keys of these rows already in `llm_scores`: one query per 200 traces (they travel in the URL). */
  private async storedKeys(rows: ReturnType<typeof scoreRow>[]): Promise<Set<string>> {
    const byTrace = new Map<string, ReturnType<typeof scoreRow>[]>();
    for (const r of rows) byTrace.set(r.trace_id, [...(byTrace.get(r.trace_id) ?? []), r]);
    const traces = [...byTrace.keys()];
    const stored = new Set<string>();
    for (let i = 0; i < traces.length; i += TRACES_PER_QUERY) {
      const chunk = traces.slice(i, i + TRACES_PER_QUERY);
      let lo = Infinity;
      let hi = -Infinity;
      for (const t of chunk)
        for (const r of byTrace.get(t) ?? []) {
          lo = Math.min(lo, r.timestamp);
          hi = Math.max(hi, r.timestamp);
        }
      const rs = await this.deps.client.query({
        query: `SELECT trace_id, span_id, evaluator, evaluator_version, source FROM ${this.deps.database}.llm_scores
          WHERE timestamp >= fromUnixTimestamp64Milli({lo:Int64}) AND timestamp <= fromUnixTimestamp64Milli({hi:Int64})
            AND trace_id IN {traces:Array(String)} AND kind IN ('external', 'feedback')`,
        query_params: { lo: lo - SLACK_MS, hi: hi + SLACK_MS, traces: chunk },
        format: 'JSONEachRow',
      });
      for (const k of (await rs.json<ExternalScore>()).map(keyOf)) stored.add(k);
    }
    return stored;
  }

  /** One synchronous insert whose dedup token is the rows' content: a retry of it counts once. */
  private async insert(table: string, rows: object[]): Promise<void> {
    let body = '';
    for (const r of rows) body += `${JSON.stringify(r)}\n`;
    const token = createHash('sha256').update(body).digest('hex');
    const res = await this.deps.client.exec({
      query: `INSERT INTO ${this.deps.database}.${table} FORMAT JSONEachRow`,
      values: Readable.from([Buffer.from(body)]),
      clickhouse_settings: {
        insert_deduplication_token: `${table}-${token}`,
        deduplicate_blocks_in_dependent_materialized_views: 1,
        async_insert: 0,
      },
    });
    res.stream.destroy();
  }
}

function scoreRow(s: ExternalScore, call: CallDims, scoredAt: number) {
  return {
    timestamp: call.timestamp,
    trace_id: call.trace_id,
    span_id: call.span_id,
    service: call.service,
    provider: call.provider,
    model: call.model,
    route: call.route,
    agent_name: call.agent_name,
    evaluator: s.evaluator,
    evaluator_version: s.evaluator_version,
    kind: s.kind,
    source: s.source,
    score: s.score,
    passed: s.passed,
    confidence: 1,
    outcome: s.outcome,
    label: s.label,
    reason: s.reason,
    sample_weight: 1,
    scored_at: scoredAt,
  };
}

function inboxRow(s: ExternalScore, receivedAt: number, state: string, version: number) {
  return {
    received_at: receivedAt,
    trace_id: s.trace_id,
    span_id: s.span_id,
    response_id: s.response_id,
    evaluator: s.evaluator,
    evaluator_version: s.evaluator_version,
    kind: s.kind,
    source: s.source,
    score: s.score,
    passed: s.passed,
    outcome: s.outcome,
    label: s.label,
    reason: s.reason,
    state,
    version,
  };
}
