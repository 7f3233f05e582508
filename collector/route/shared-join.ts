import { counter } from '../../core/metrics.ts';
import type { Span } from '../span.ts';
import { SpanKind } from '../span.ts';
import { decodeEntry, encodeLog, encodeNode, type SharedLog } from './join-entries.ts';
import type { ExchangeRequest, ExchangeResult, JoinStore, TracePush } from './redis-join-store.ts';
import { INHERITED_KEYS, endpointOf, toNode, type SpanNode } from './trace-index.ts';
import type { LogContent } from '../conventions/index.ts';

/** What the pipeline does with what other collectors published (collector/pipeline.ts). */
export interface JoinTarget {
  /** Nodes and log-record content read for a trace this collector has calls waiting in. */
  apply(traceId: string, nodes: SpanNode[], logs: SharedLog[]): void;
  /** The first read for these calls is over (read, or failed: they go on with what is known here). */
  settle(keys: readonly string[]): void;
}

export interface SharedJoinOptions {
  store: JoinStore;
  target: JoinTarget;
  routeKeys: readonly string[];
  /** How long entries and waits live in the store. */
  ttlMs: number;
  maxEntriesPerTrace: number;
  /** A round trip slower than this counts as failed; the calls go on with local knowledge. */
  timeoutMs: number;
  /** Traces whose read position and log content are remembered here. */
  maxTraces: number;
  /** Round trips in flight at most; past it a request's publishing is dropped (counted). Default 256. */
  maxInFlight?: number;
  now: () => number;
}

/** A waiting call: its trace and its `trace-span` key. */
export interface Wait {
  traceId: string;
  key: string;
}

interface TraceState {
  /** Entries of the trace's list read so far. */
  offset: number;
  /** Calls waiting here. */
  waiting: number;
  /** Log content read, by span id, for calls that may arrive here later. */
  logs: Map<string, SharedLog[]>;
  at: number;
}

const metrics = {
  roundTrips: counter({
    name: 'assay_join_store_round_trips_total',
    help: 'Round trips to the shared join store (collector.join_store: redis), by operation',
    labelNames: ['op'],
  }),
  failures: counter({
    name: 'assay_join_store_failures_total',
    help: 'Join store round trips that failed or timed out; the calls went on with what this collector knew',
    labelNames: ['op', 'reason'],
  }),
  dropped: counter({
    name: 'assay_join_store_dropped_total',
    help: 'Join store entries not published or not read, by reason',
    labelNames: ['reason'],
  }),
};

class Timeout extends Error {}

/**
 * The pipeline's side of the shared join store: per request, one round trip publishes what later
 * calls on other collectors may need (route hints, ancestors' names, log-record content), joins
 * the traces its new calls wait in and reads what others published there; a second one follows
 * only when another collector waits in one of the request's traces (its plain spans, the links
 * of the tree). Every tick, news from the inbox is read. Everything is bounded, and a failure or
 * timeout leaves the calls with what this collector knows.
 */
export class SharedJoin {
  private readonly traces = new Map<string, TraceState>();
  private leave = new Set<string>();
  /** Keys of the calls counted in their trace's `waiting`. */
  private readonly registered = new Set<string>();
  /** Traces with `waiting` > 0. */
  private waitingTraces = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private inFlight = 0;
  private polling = false;
  private closed = false;

  /** Keys that make any span a hint: route labels, agent, conversation, user. */
  private readonly hintKeys: ReadonlySet<string>;

  constructor(private readonly o: SharedJoinOptions) {
    this.hintKeys = new Set([...o.routeKeys, ...INHERITED_KEYS]);
  }

  /** After a span request: hints published, plain spans for traces others wait in, new waits read. */
  spans(spans: readonly Span[], waits: readonly Wait[]): void {
    const push = new Map<string, TracePush>();
    const plain = new Map<string, Span[]>();
    for (const span of spans) {
      if (this.isHint(span)) this.entry(push, span.traceId, encodeNode(toNode(span, this.o.routeKeys)));
      else {
        this.entry(push, span.traceId, undefined);
        const list = plain.get(span.traceId) ?? [];
        list.push(span);
        plain.set(span.traceId, list);
      }
    }
    // Traces another collector waits in get their hints and plain spans in a second round trip,
    // together: the waiting collector sees the request's part of the tree at once.
    this.send([...push.values()], waits, true, (r) => {
      const more: TracePush[] = [];
      for (const traceId of r.othersWaiting) {
        const hints = push.get(traceId)?.entries ?? [];
        const nodes = plain.get(traceId) ?? [];
        const room = Math.max(0, this.o.maxEntriesPerTrace - hints.length);
        const entries = [
          ...hints,
          ...nodes.slice(0, room).map((s) => encodeNode(toNode(s, this.o.routeKeys))),
        ];
        if (nodes.length > room) metrics.dropped.inc({ reason: 'trace_full' }, nodes.length - room);
        if (entries.length > 0) more.push({ traceId, entries });
      }
      if (more.length > 0) this.send(more, [], false, () => undefined);
    });
  }

  /** Log-record content of calls not waiting here: published for the collector that has them. */
  logs(records: ReadonlyArray<{ traceId: string; spanId: string; parts: LogContent; key: string }>): void {
    const push = new Map<string, TracePush>();
    for (const r of records) this.entry(push, r.traceId, encodeLog(r.spanId, r.parts, r.key));
    this.send([...push.values()], [], false, () => undefined);
  }

  /** Log content already read for a call's span (it arrived after its records reached another collector). */
  logsFor(traceId: string, spanId: string): SharedLog[] {
    return this.traces.get(traceId)?.logs.get(spanId) ?? [];
  }

  /** A call stopped waiting (finished). */
  release(traceId: string, key: string): void {
    if (!this.registered.delete(key)) return;
    const t = this.traces.get(traceId);
    if (!t || t.waiting === 0) return;
    t.waiting--;
    t.at = this.o.now();
    if (t.waiting === 0) {
      this.waitingTraces--;
      this.leave.add(traceId);
    }
  }

  /** Reads what others published since the last read, for the traces of calls about to be finished. */
  async final(traceIds: Iterable<string>): Promise<void> {
    const read = [...new Set(traceIds)].flatMap((traceId) => {
      const t = this.traces.get(traceId);
      return t ? [{ traceId, from: t.offset }] : [];
    });
    if (read.length === 0 || this.closed) return;
    await this.roundTrip('exchange', () => this.o.store.exchange(request({ read })))
      .then((r) => this.apply(r))
      .catch(() => undefined);
  }

  /** Every pipeline tick: news from the inbox, waits given up, old traces forgotten. */
  tick(): void {
    const now = this.o.now();
    // O(traces): at most ten times per TTL.
    if (now - this.lastSweep > this.o.ttlMs / 10) {
      this.lastSweep = now;
      for (const [id, t] of this.traces) {
        if (t.waiting === 0 && now - t.at > this.o.ttlMs) this.traces.delete(id);
      }
    }
    if (this.polling || this.closed) return;
    const waiting = this.waitingTraces > 0;
    if (!waiting && this.leave.size === 0) return;
    this.polling = true;
    void (async () => {
      const news = waiting ? await this.roundTrip('inbox', () => this.o.store.inbox(1024)) : [];
      const read = news.flatMap((traceId) => {
        const t = this.traces.get(traceId);
        return t && t.waiting > 0 ? [{ traceId, from: t.offset }] : [];
      });
      const leave = this.takeLeave();
      if (read.length === 0 && leave.length === 0) return;
      this.apply(await this.roundTrip('exchange', () => this.o.store.exchange(request({ read, leave }))));
    })()
      .catch(() => undefined)
      .finally(() => (this.polling = false));
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.o.store.shutdown();
  }

  /**
   * Whether a span is published whatever waits in its trace — the spans the memory index keeps
   * for every trace (roots, SERVER spans with a route) and those naming a route, an agent, a
   * conversation or a user — read off its attributes without building its node.
   */
  private isHint(span: Span): boolean {
    if (span.parentSpanId === '' || (span.kind === SpanKind.SERVER && endpointOf(span.attributes) !== ''))
      return true;
    // A span that is not a call keeps few attributes (the decoder's selection): scan those.
    for (const key in span.attributes) {
      if (this.hintKeys.has(key) && typeof span.attributes[key] === 'string' && span.attributes[key] !== '')
        return true;
    }
    return false;
  }

  private entry(push: Map<string, TracePush>, traceId: string, entry: string | undefined): void {
    let p = push.get(traceId);
    if (!p) push.set(traceId, (p = { traceId, entries: [] }));
    if (entry === undefined) return;
    if (p.entries.length < this.o.maxEntriesPerTrace) p.entries.push(entry);
    else metrics.dropped.inc({ reason: 'trace_full' });
  }

  /** One round trip: pushes, joins the waits' traces and reads them; then settles the waits. */
  private send(
    push: TracePush[],
    waits: readonly Wait[],
    deferWaited: boolean,
    then: (r: ExchangeResult) => void,
  ): void {
    const keys = waits.map((w) => w.key);
    if (this.closed || this.inFlight >= (this.o.maxInFlight ?? 256)) {
      if (!this.closed) metrics.dropped.inc({ reason: 'busy' }, push.length + waits.length);
      return this.o.target.settle(keys);
    }
    const join: string[] = [];
    const read: ExchangeRequest['read'] = [];
    const now = this.o.now();
    const settleHere: string[] = [];
    for (const w of waits) {
      let t = this.traces.get(w.traceId);
      if (!t) {
        if (this.traces.size >= this.o.maxTraces) {
          metrics.dropped.inc({ reason: 'traces_full' });
          settleHere.push(w.key);
          continue;
        }
        this.traces.set(w.traceId, (t = { offset: 0, waiting: 0, logs: new Map(), at: now }));
      }
      this.registered.add(w.key);
      if (t.waiting++ === 0) {
        this.waitingTraces++;
        join.push(w.traceId);
        this.leave.delete(w.traceId);
      }
      // Joined before reading: whatever is pushed later reaches the inbox (the push is atomic).
      if (!read.some((r) => r.traceId === w.traceId)) read.push({ traceId: w.traceId, from: t.offset });
    }
    if (settleHere.length > 0) this.o.target.settle(settleHere);
    const waitKeys = keys.filter((k) => !settleHere.includes(k));
    if (push.length === 0 && join.length === 0 && read.length === 0) return this.o.target.settle(waitKeys);
    this.roundTrip('exchange', () => this.o.store.exchange({ ...request({ push, join, read }), deferWaited }))
      .then((r) => {
        if (r.dropped > 0) metrics.dropped.inc({ reason: 'trace_full' }, r.dropped);
        this.apply(r);
        then(r);
      })
      .catch(() => undefined)
      .finally(() => this.o.target.settle(waitKeys));
  }

  private apply(r: ExchangeResult): void {
    for (const [traceId, { from, entries }] of r.read) {
      const t = this.traces.get(traceId);
      if (t) t.offset = Math.max(t.offset, from + entries.length);
      const nodes: SpanNode[] = [];
      const logs: SharedLog[] = [];
      let invalid = 0;
      for (const text of entries) {
        const e = decodeEntry(text);
        if (!e) invalid++;
        else if ('node' in e) nodes.push(e.node);
        else {
          logs.push(e.log);
          if (t) {
            const list = t.logs.get(e.log.spanId) ?? [];
            if (!list.some((l) => l.key === e.log.key) && list.length < this.o.maxEntriesPerTrace)
              list.push(e.log);
            t.logs.set(e.log.spanId, list);
          }
        }
      }
      if (invalid > 0) metrics.dropped.inc({ reason: 'invalid_entry' }, invalid);
      if (nodes.length > 0 || logs.length > 0) this.o.target.apply(traceId, nodes, logs);
    }
  }

  private takeLeave(): string[] {
    const leave = [...this.leave].filter((id) => (this.traces.get(id)?.waiting ?? 0) === 0);
    this.leave = new Set();
    return leave;
  }

  /** Runs one store operation under the timeout, counted; rejects on failure (counted too). */
  private async roundTrip<T>(op: 'exchange' | 'inbox', run: () => Promise<T>): Promise<T> {
    metrics.roundTrips.inc({ op });
    this.inFlight++;
    let timer: NodeJS.Timeout | undefined;
    const work = run().finally(() => this.inFlight--);
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Timeout()), this.o.timeoutMs);
        }),
      ]);
    } catch (err) {
      work.catch(() => undefined);
      metrics.failures.inc({ op, reason: err instanceof Timeout ? 'timeout' : 'error' });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}

function request(r: Partial<ExchangeRequest>): ExchangeRequest {
  return { push: r.push ?? [], join: r.join ?? [], leave: r.leave ?? [], read: r.read ?? [] };
}
