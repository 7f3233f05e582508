import type { LlmCall } from '../core/llm-call.ts';
import type { Logger } from '../core/logger.ts';
import type { CollectorConfig } from './config.ts';
import {
  CLASSIFYING_KEYS,
  classifySpan,
  contentFromLogRecord,
  mergeLogContent,
  normaliseSpan,
  type NormalisedCall,
} from './conventions/index.ts';
import type { AcceptResult } from './http/index.ts';
import { finishCall, type FinishDeps } from './finish.ts';
import { Outbox, type CallSink, type Origin, type SegmentHolds } from './outbox.ts';
import { BatchCounts, pipelineMetrics } from './pipeline-metrics.ts';
import { RecentKeys } from './recent-keys.ts';
import type { SpanSelection } from './otlp/index.ts';
import { ENDPOINT_KEYS, INHERITED_KEYS, TraceIndex, labelOf } from './route/trace-index.ts';
import { inheritFromBatch, inheritInto, namesInherited } from './route/inherit.ts';
import { logKey, type SharedLog } from './route/join-entries.ts';
import type { JoinStore } from './route/redis-join-store.ts';
import { SharedJoin, type JoinTarget, type Wait } from './route/shared-join.ts';
import type { SpanNode } from './route/trace-index.ts';
import type { LogRecord, Span } from './span.ts';

export type { CallSink, Origin, SegmentHolds };

export interface PipelineDeps extends FinishDeps {
  config: CollectorConfig;
  sink: CallSink;
  /**
   * Where calls replayed from the write-ahead log go (a writer that skips calls already in
   * ClickHouse: they may have been written before the crash). Default: `sink`.
   */
  replaySink?: CallSink;
  /** The write-ahead log's segment holds, when it is on. */
  holds?: SegmentHolds;
  /** Records up to this number are durable (or failed): their calls may go to the sink. */
  resolvedLsn?: () => number;
  logger: Logger;
  now?: () => number;
  /**
   * The store collectors share their per-trace join state through (`collector.join_store: redis`);
   * absent: this collector's memory alone. The pipeline shuts it down.
   */
  joinStore?: JoinStore;
}

/**
 * An accepted batch, and whether its request must be kept in the write-ahead log: it held an
 * LLM call (a retried one too) or a span or log record of a call still waiting.
 */
/**
 * `relevant`: the batch gave the pipeline something to keep (a call, a route for a waiting call,
 * content). `used` (spans): 1 for each span, by index, that a replay of the batch would need —
 * the calls and the spans the route index learnt from — so the write-ahead log may keep only those.
 */
export type PipelineAccept = AcceptResult & { relevant?: boolean; used?: Uint8Array };

type LogParts = NonNullable<ReturnType<typeof contentFromLogRecord>>;

interface Pending {
  /** `trace-span`, the call's key everywhere. */
  key: string;
  call: NormalisedCall;
  deadline: number;
  /** Still waiting for an ancestor's route. */
  needsRoute: boolean;
  /** Still waiting for log records carrying the content (OTel GenAI v1.28–v1.36). */
  needsLogs: boolean;
  route?: { route: string; source: LlmCall['route_source'] };
  logs: LogParts[];
  done: boolean;
  /** Log segment of the call's request (-1: no log), and of early log records merged into it. */
  seg: number;
  extraSegs?: number[];
  /** Number of the call's log record (0: none, or replayed, so durable). */
  lsn: number;
  replayed: boolean;
  /** Shared join store: waiting for its first read, before anything is decided. */
  awaitShared?: boolean;
  /** Shared join store: registered as waiting there (released when finished). */
  sharedWait?: boolean;
  /** Shared join store: its deadline passed, a last read is under way. */
  expiring?: boolean;
  /** Shared join store: keys of the log records merged, so a record read twice counts once. */
  logKeys?: Set<string>;
}

interface EarlyLogs {
  parts: LogParts[];
  at: number;
  /** Log segments of the records, each held until they are merged or dropped. */
  segs?: number[];
  /** Shared join store: the records' keys (they were published for other collectors too). */
  keys?: string[];
}

/**
 * The collector's core: picks LLM calls out of decoded spans, joins their log-record content,
 * waits briefly for ancestor spans that name the route, then finishes them (price, redact,
 * truncate, sample) into the writer. Everything it holds is bounded; what it accepted is never
 * dropped silently — on shutdown every waiting call is finished with what is known.
 */
export class CollectorPipeline {
  private readonly index: TraceIndex;
  private readonly pending = new Map<string, Pending>();
  /** Calls still waiting for a route, by trace: re-checked only when their trace gets spans. */
  private readonly waitingByTrace = new Map<string, Set<Pending>>();
  /** Waiting calls in arrival order, which is deadline order (one wait for all). */
  private readonly queue: Pending[] = [];
  private queueHead = 0;
  /** Log records that arrived before their span, by `trace-span` key. */
  private readonly earlyLogs = new Map<string, EarlyLogs>();
  /** Finished calls on their way to the writer (kept while it has no room: counted as held). */
  private readonly out: Outbox;
  private readonly outReplayed: Outbox;
  private readonly recent = new RecentKeys(200_000);
  private readonly timer: NodeJS.Timeout;
  private closing = false;
  private readonly now: () => number;
  private readonly counts = new BatchCounts();
  private readonly shared: SharedJoin | undefined;
  /** Calls of the current batch that wait for the shared store's first read. */
  private newWaits: Wait[] = [];

  constructor(private readonly deps: PipelineDeps) {
    const { route } = deps.config;
    this.now = deps.now ?? Date.now;
    this.out = new Outbox(deps.sink, deps.holds);
    this.outReplayed = new Outbox(deps.replaySink ?? deps.sink, deps.holds);
    this.index = new TraceIndex({
      maxTraces: route.max_traces,
      ttlMs: Math.max(30_000, route.wait * 10),
      routeKeys: route.keys,
    });
    const store = deps.joinStore;
    const join = deps.config.join_store;
    this.shared = store
      ? new SharedJoin({
          store,
          target: this.joinTarget(),
          routeKeys: route.keys,
          ttlMs: joinTtlMs(route.wait),
          maxEntriesPerTrace: join.max_entries_per_trace,
          timeoutMs: join.timeout,
          maxTraces: route.max_traces,
          now: this.now,
        })
      : undefined;
    this.timer = setInterval(() => this.tick(), Math.max(20, Math.min(250, route.wait / 10)));
    this.timer.unref();
  }

  /** Calls held here (waiting or not yet taken by the writer). */
  get held(): number {
    return this.pending.size + this.out.size + this.outReplayed.size;
  }

  /** Takes decoded spans; `origin` names their write-ahead log segment when the log is on. */
  acceptSpans(spans: Span[], origin?: Origin): PipelineAccept {
    if (this.closing) return { ok: false, reason: 'shutting_down' };
    const now = this.now();
    const calls: NormalisedCall[] = [];
    const used = new Uint8Array(spans.length);
    let ancestorsName = false;
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i] as Span;
      const convention = classifySpan(span);
      if (convention) {
        used[i] = 1;
        calls.push(normaliseSpan(span, convention, { routeKeys: this.deps.config.route.keys }));
      } else if (!ancestorsName) ancestorsName = namesInherited(span);
    }
    if (calls.length > 0 && ancestorsName) inheritFromBatch(calls, spans, used);
    const sink = origin?.replayed ? this.outReplayed.sink : this.out.sink;
    const room = Math.min(this.deps.config.route.max_pending_calls - this.held, sink.available());
    if (calls.length > room) {
      if (!origin?.replayed) pipelineMetrics.dropped.inc({ reason: 'overloaded' }, calls.length);
      return { ok: false, reason: 'overloaded' };
    }
    const touched = new Set<string>();
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i] as Span;
      if (this.index.observe(span, now)) used[i] = 1;
      if (this.waitingByTrace.has(span.traceId)) {
        touched.add(span.traceId);
        used[i] = 1;
      }
    }
    for (const traceId of touched) {
      for (const p of this.waitingByTrace.get(traceId) ?? []) this.tryResolveRoute(p);
    }
    for (const call of calls) this.admit(call, now, origin);
    if (this.shared) {
      const waits = this.newWaits;
      this.newWaits = [];
      this.shared.spans(spans, waits);
    }
    this.emit();
    return { ok: true, rejected: 0, relevant: calls.length > 0 || touched.size > 0, used };
  }

  /** Takes decoded log records; same contract as {@link acceptSpans}. */
  acceptLogs(records: LogRecord[], origin?: Origin): PipelineAccept {
    if (this.closing) return { ok: false, reason: 'shutting_down' };
    const now = this.now();
    let relevant = false;
    const publish: Array<{ traceId: string; spanId: string; parts: LogParts; key: string }> = [];
    for (const rec of records) {
      if (!rec.traceId || !rec.spanId || !rec.eventName.startsWith('gen_ai.')) continue;
      const parts = contentFromLogRecord(rec);
      if (!parts) continue;
      const key = `${rec.traceId}-${rec.spanId}`;
      const p = this.pending.get(key);
      if (p) {
        relevant = true;
        this.addLog(p, parts, this.shared ? logKey(parts) : undefined);
        this.maybeFinish(p);
      } else if (!this.recent.has(key)) {
        // The call may be waiting on another collector, or come here later.
        const shareKey = this.shared ? logKey(parts) : undefined;
        if (shareKey !== undefined)
          publish.push({ traceId: rec.traceId, spanId: rec.spanId, parts, key: shareKey });
        const early = this.earlyLogs.get(key) ?? { parts: [], at: now };
        if (early.parts.length === 0 && this.earlyLogs.size >= this.deps.config.route.max_pending_calls) {
          pipelineMetrics.dropped.inc({ reason: 'early_logs_full' });
          continue;
        }
        relevant = true;
        early.parts.push(parts);
        if (shareKey !== undefined) (early.keys ??= []).push(shareKey);
        if (origin && this.deps.holds) {
          this.deps.holds.hold(origin.seg);
          (early.segs ??= []).push(origin.seg);
        }
        this.earlyLogs.set(key, early);
      }
    }
    if (publish.length > 0) this.shared?.logs(publish);
    this.emit();
    return { ok: true, rejected: 0, relevant };
  }

  /** Stops intake and finishes every waiting call with what is known. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.timer);
    for (const p of this.pending.values()) this.finish(p);
    // Log records whose span never came would be dropped as orphans after the next start too.
    for (const early of this.earlyLogs.values())
      if (early.segs) for (const seg of early.segs) this.deps.holds?.release(seg);
    this.earlyLogs.clear();
    this.emit();
    await this.shared?.shutdown();
  }

  private admit(call: NormalisedCall, now: number, origin: Origin | undefined): void {
    const key = `${call.trace_id}-${call.span_id}`;
    if (this.pending.has(key) || this.recent.has(key)) {
      this.counts.duplicate();
      return;
    }
    this.counts.call(call.convention);
    const p: Pending = {
      key,
      call,
      deadline: now + this.deps.config.route.wait,
      needsRoute: call.explicitRoute === null,
      needsLogs: call.contentInLogs,
      route: call.explicitRoute !== null ? { route: call.explicitRoute, source: 'attribute' } : undefined,
      logs: [],
      done: false,
      seg: -1,
      lsn: origin && !origin.replayed ? origin.lsn : 0,
      replayed: origin?.replayed === true,
    };
    if (origin && this.deps.holds) {
      this.deps.holds.hold(origin.seg);
      p.seg = origin.seg;
    }
    const early = this.earlyLogs.get(key);
    if (early) {
      this.earlyLogs.delete(key);
      // The early records' holds pass to the call.
      p.extraSegs = early.segs;
      early.parts.forEach((parts, i) => this.addLog(p, parts, early.keys?.[i]));
    }
    if (this.shared) {
      for (const l of this.shared.logsFor(call.trace_id, call.span_id)) this.addLog(p, l.parts, l.key);
      // What other collectors published may decide the call (an ancestor's route or names, its
      // content): nothing is decided before the store's first read (or its failure), unless what
      // is known here already decides it (the whole trace came in one request, the common case).
      if (p.needsLogs || !this.decidedHere(p)) return this.wait(p, now, true);
    }
    // The common case: the route is known now (an attribute, or the SERVER ancestor already
    // seen) and no content is due in log records: finished without waiting.
    if (!p.needsLogs) {
      const hit = p.route ?? this.routeNow(call);
      if (hit) {
        p.route = hit;
        p.needsRoute = false;
        return this.finish(p);
      }
    }
    this.wait(p, now, false);
    if (p.needsRoute) this.tryResolveRoute(p);
    else this.maybeFinish(p);
  }

  /** Whether nothing another collector knows could change the call (its content is in hand). */
  private decidedHere(p: Pending): boolean {
    const c = p.call;
    const chain = this.index.chainKnown(c.trace_id, c.parent_span_id);
    if (p.route) return chain.toRoot || Boolean(c.agent_name && c.conversation_id && c.user_id);
    return chain.toRoot && chain.routed;
  }

  private wait(p: Pending, now: number, shared: boolean): void {
    this.pending.set(p.key, p);
    if (p.needsRoute) {
      this.index.markInteresting(p.call.trace_id, now);
      const set = this.waitingByTrace.get(p.call.trace_id) ?? new Set<Pending>();
      set.add(p);
      this.waitingByTrace.set(p.call.trace_id, set);
    }
    this.queue.push(p);
    if (shared) {
      p.awaitShared = true;
      p.sharedWait = true;
      this.newWaits.push({ traceId: p.call.trace_id, key: p.key });
    }
  }

  /** Adds a log record's content to a call (once per key with the shared store). */
  private addLog(p: Pending, parts: LogParts, key: string | undefined): void {
    if (key !== undefined) {
      if (p.logKeys?.has(key)) return;
      (p.logKeys ??= new Set()).add(key);
    }
    p.logs.push(parts);
    if (parts.output !== undefined || parts.finishReason !== undefined) p.needsLogs = false;
  }

  /** How the shared join store's reads reach the waiting calls. */
  private joinTarget(): JoinTarget {
    return {
      apply: (traceId: string, nodes: SpanNode[], logs: SharedLog[]) => {
        const now = this.now();
        for (const node of nodes) this.index.observeNode(traceId, node, now);
        for (const p of this.waitingByTrace.get(traceId) ?? []) this.tryResolveRoute(p);
        for (const l of logs) {
          const p = this.pending.get(`${traceId}-${l.spanId}`);
          if (!p) continue;
          this.addLog(p, l.parts, l.key);
          this.maybeFinish(p);
        }
        this.emit();
      },
      settle: (keys: readonly string[]) => {
        for (const key of keys) {
          const p = this.pending.get(key);
          if (!p?.awaitShared) continue;
          p.awaitShared = false;
          if (p.needsRoute) this.tryResolveRoute(p);
          else this.maybeFinish(p);
        }
        this.emit();
      },
    };
  }

  private routeNow(c: NormalisedCall): Pending['route'] {
    return (
      this.index.routeFor(c.trace_id, c.parent_span_id, c.timestamp, c.timestamp + c.duration_ms) ?? undefined
    );
  }

  private tryResolveRoute(p: Pending): void {
    if (p.awaitShared) return;
    const hit = this.routeNow(p.call);
    if (!hit) return;
    p.route = hit;
    this.stopWaitingForRoute(p);
    this.maybeFinish(p);
  }

  private stopWaitingForRoute(p: Pending): void {
    p.needsRoute = false;
    const set = this.waitingByTrace.get(p.call.trace_id);
    if (set?.delete(p) && set.size === 0) this.waitingByTrace.delete(p.call.trace_id);
  }

  private maybeFinish(p: Pending): void {
    if (!p.needsRoute && !p.needsLogs && !p.awaitShared) this.finish(p);
  }

  private finish(p: Pending): void {
    if (p.done) return;
    p.done = true;
    if (p.needsRoute) this.stopWaitingForRoute(p);
    if (p.sharedWait) this.shared?.release(p.call.trace_id, p.key);
    this.pending.delete(p.key);
    this.recent.add(p.key);
    if (p.logs.length) mergeLogContent(p.call, p.logs);
    const route = p.route ?? this.fallbackRoute(p.call);
    const c = p.call;
    if (!c.agent_name || !c.conversation_id || !c.user_id)
      inheritInto(c, this.index.inheritedFor(c.trace_id, c.parent_span_id));
    this.counts.routed(route.source);
    (p.replayed ? this.outReplayed : this.out).push(
      finishCall(p.call, route, this.deps),
      p.seg,
      p.extraSegs,
      p.lsn,
    );
  }

  private fallbackRoute(call: NormalisedCall): NonNullable<Pending['route']> {
    const root = this.index.rootName(call.trace_id);
    return root
      ? { route: root, source: 'root_span' }
      : { route: this.deps.config.route.fallback, source: 'fallback' };
  }

  /** Hands finished calls to the writer and publishes this round's counts; ends every entry point. */
  /** Hands calls whose log records became durable to the writer (called by the log). */
  release(): void {
    if (!this.closing || this.held > 0) this.emit();
  }

  private emit(): void {
    this.out.flush(this.deps.resolvedLsn?.());
    this.outReplayed.flush();
    pipelineMetrics.pending.set(this.held);
    this.counts.flush();
  }

  private tick(): void {
    const now = this.now();
    const expiring: Pending[] = [];
    while (this.queueHead < this.queue.length) {
      const p = this.queue[this.queueHead] as Pending;
      if (!p.done && p.deadline > now) break;
      this.queueHead++;
      if (!this.shared || p.done) this.finish(p);
      else if (!p.expiring) {
        p.expiring = true;
        expiring.push(p);
      }
    }
    // With the shared store, a last read first: what another collector got just before the
    // deadline counts, as it would have here.
    if (expiring.length > 0)
      void this.shared?.final(expiring.map((p) => p.call.trace_id)).then(() => {
        for (const p of expiring) this.finish(p);
        this.emit();
      });
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    for (const [key, early] of this.earlyLogs) {
      if (now - early.at <= this.deps.config.route.wait * 2) break;
      this.earlyLogs.delete(key);
      if (early.segs) for (const seg of early.segs) this.deps.holds?.release(seg);
      // Published records may have been for a call on another collector.
      if (!early.keys) pipelineMetrics.dropped.inc({ reason: 'orphan_log_record' });
    }
    this.index.sweep(now);
    this.shared?.tick();
    this.emit();
  }
}

/**
 * How long the shared store keeps a trace's entries and waits after their last write: two waits
 * (records may come up to `wait` before their span, the span's route up to `wait` after it) and
 * two seconds of slack for clocks and round trips.
 */
export const joinTtlMs = (wait: number): number => 2 * wait + 2000;

export { labelOf };

/**
 * What the pipeline reads of a span that is not a call — the route hints — and what makes a
 * span possibly a call, for the decoder to skip every other attribute value of most spans.
 */
export function spanSelection(routeKeys: readonly string[]): SpanSelection {
  return { marks: CLASSIFYING_KEYS, keeps: new Set([...ENDPOINT_KEYS, ...INHERITED_KEYS, ...routeKeys]) };
}
