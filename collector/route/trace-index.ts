import { FIELD_KEYS, firstString } from '../conventions/fields.ts';
import { SpanKind, type Attributes, type Span } from '../span.ts';

/**
 * What a call may take from its ancestors when its own span does not say it: the agent it runs
 * in (AI SDK v7 and OTel GenAI set `gen_ai.agent.name` on `invoke_agent`, the OpenAI Agents SDK
 * `agent_name` on its agent span), its conversation and its end user.
 */
export interface Inherited {
  agent_name?: string;
  conversation_id?: string;
  user_id?: string;
}

/** The span keys {@link Inherited} is read from (decoded on every span, so ancestors keep them). */
export const INHERITED_KEYS: readonly string[] = [
  ...FIELD_KEYS.agentName,
  ...FIELD_KEYS.conversationId,
  ...FIELD_KEYS.userId,
];

const NOTHING: Inherited = Object.freeze({});

/** What one span names of the agent, conversation and user (a shared empty object when nothing). */
export function inheritedOf(attrs: Attributes): Inherited {
  const agent = firstString(attrs, FIELD_KEYS.agentName);
  const conversation = firstString(attrs, FIELD_KEYS.conversationId);
  const user = firstString(attrs, FIELD_KEYS.userId);
  if (!agent && !conversation && !user) return NOTHING;
  return {
    ...(agent ? { agent_name: agent } : {}),
    ...(conversation ? { conversation_id: conversation } : {}),
    ...(user ? { user_id: user } : {}),
  };
}

/** `into` with the fields it lacks taken from `from` (the nearer ancestor wins). */
function inherit(into: Inherited, from: Inherited): Inherited {
  if (from === NOTHING) return into;
  if (into === NOTHING) return from;
  return { ...from, ...into };
}

/** What route resolution needs to remember about one span: its place in the tree and its labels. */
export interface SpanNode {
  spanId: string;
  parentSpanId: string;
  kind: number;
  name: string;
  service: string;
  startTimeMs: number;
  endTimeMs: number;
  /** Route template of a SERVER span (`http.route`, else `next.route`), else ''. */
  endpoint: string;
  /** Explicit route label (first configured key present), else ''. */
  label: string;
  /** Agent, conversation and user named on this span, for the calls below it. */
  inherited: Inherited;
}

interface TraceEntry {
  traceId: string;
  /** Nodes of every span seen while the trace is "interesting" (has an LLM call waiting). */
  nodes: Map<string, SpanNode> | undefined;
  /** SERVER spans with an endpoint, kept for every trace (cheap: about one per service hop). */
  servers: SpanNode[];
  /** Name of the root span once seen. */
  rootName: string;
  interesting: boolean;
  touchedAt: number;
}

/**
 * A bounded, per-trace memory of span-tree facts, so a call can find the route of an ancestor
 * that arrives in a later export request (BatchSpanProcessor exports children before parents).
 * Most spans are not worth remembering: only SERVER spans with a route, root names, and — for
 * traces that have an LLM call waiting — every span's parent link. Oldest traces are evicted
 * first when `maxTraces` is reached, and traces idle for `ttlMs` are dropped.
 */
export class TraceIndex {
  private readonly traces = new Map<string, TraceEntry>();
  /**
   * Entries in creation order, for evicting the oldest: the Map's own iterator would walk every
   * deleted slot at its front on each eviction (quadratic once the index is full). Holds stale
   * entries (swept, evicted) until they reach the front or a sweep compacts it.
   */
  private order: TraceEntry[] = [];
  private orderHead = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: { maxTraces: number; ttlMs: number; routeKeys: readonly string[] }) {}

  get size(): number {
    return this.traces.size;
  }

  /**
   * Records what matters about a span; cheap for the common uninteresting span. True when the
   * span told the index something (a root name, a SERVER endpoint, a link in a trace with a
   * waiting call): only those spans need to be in the write-ahead log for a replay to resolve
   * routes as the live request did.
   */
  observe(span: Span, now: number): boolean {
    const isServer = span.kind === SpanKind.SERVER;
    const isRoot = span.parentSpanId === '';
    let entry = this.traces.get(span.traceId);
    if (!entry && !isServer && !isRoot) return false;
    entry ??= this.create(span.traceId, now);
    entry.touchedAt = now;
    if (isRoot) entry.rootName = span.name;
    if (!entry.interesting && !isServer) return isRoot;
    const node = toNode(span, this.opts.routeKeys);
    if (entry.interesting) (entry.nodes ??= new Map()).set(node.spanId, node);
    if (isServer && node.endpoint) entry.servers.push(node);
    return true;
  }

  /**
   * Records a span node another collector saw (the shared join store, collector/route/): as
   * {@link observe} would have, for a trace this collector has a call waiting in. A node seen
   * twice (its own, read back) changes nothing.
   */
  observeNode(traceId: string, node: SpanNode, now: number): void {
    const entry = this.traces.get(traceId) ?? this.create(traceId, now);
    entry.touchedAt = now;
    if (node.parentSpanId === '' && node.name) entry.rootName = node.name;
    if (entry.interesting) (entry.nodes ??= new Map()).set(node.spanId, node);
    if (
      node.kind === SpanKind.SERVER &&
      node.endpoint &&
      !entry.servers.some((s) => s.spanId === node.spanId)
    )
      entry.servers.push(node);
  }

  /** Marks a trace as holding a waiting LLM call, so later spans of it keep their parent links. */
  markInteresting(traceId: string, now: number): void {
    const entry = this.traces.get(traceId) ?? this.create(traceId, now);
    entry.interesting = true;
    entry.touchedAt = now;
  }

  /**
   * The nearest ancestor route of a span: walks known parent links; the first ancestor with an
   * explicit label or a SERVER endpoint wins. When the chain is broken, the innermost SERVER span
   * of the trace whose time interval contains the call stands in (an ancestor always encloses
   * its descendants).
   */
  routeFor(traceId: string, parentSpanId: string, startMs: number, endMs: number): RouteHit | null {
    const entry = this.traces.get(traceId);
    if (!entry) return null;
    let id = parentSpanId;
    for (let hops = 0; id && hops < 64; hops++) {
      const node = entry.nodes?.get(id) ?? entry.servers.find((s) => s.spanId === id);
      if (!node) break;
      if (node.label) return { route: node.label, source: 'attribute' };
      if (node.endpoint) return { route: node.endpoint, source: 'server_span' };
      id = node.parentSpanId;
    }
    let best: SpanNode | undefined;
    for (const s of entry.servers) {
      if (s.startTimeMs <= startMs && s.endTimeMs >= endMs) {
        if (!best || s.endTimeMs - s.startTimeMs < best.endTimeMs - best.startTimeMs) best = s;
      }
    }
    return best ? { route: best.endpoint, source: 'server_span' } : null;
  }

  /**
   * What the known ancestors of a span, up to the root, name of its agent, conversation and
   * user (the nearest ancestor wins). Known means: seen while the trace had a call waiting, or a
   * SERVER span.
   */
  inheritedFor(traceId: string, parentSpanId: string): Inherited {
    const entry = this.traces.get(traceId);
    let inherited = NOTHING;
    if (!entry) return inherited;
    let id = parentSpanId;
    for (let hops = 0; id && hops < 64; hops++) {
      const node = entry.nodes?.get(id) ?? entry.servers.find((s) => s.spanId === id);
      if (!node) break;
      inherited = inherit(inherited, node.inherited);
      id = node.parentSpanId;
    }
    return inherited;
  }

  /**
   * How much of a span's ancestry is known here: `toRoot`, every ancestor up to the root;
   * `routed`, one of them names a route. Both: nothing another collector saw could change the
   * route, agent, conversation or user of a call below it (the shared join store skips its read).
   */
  chainKnown(traceId: string, parentSpanId: string): { toRoot: boolean; routed: boolean } {
    const entry = this.traces.get(traceId);
    let routed = false;
    let id = parentSpanId;
    for (let hops = 0; entry && id && hops < 64; hops++) {
      const node = entry.nodes?.get(id) ?? entry.servers.find((s) => s.spanId === id);
      if (!node) break;
      if (node.label || node.endpoint) routed = true;
      if (node.parentSpanId === '') return { toRoot: true, routed };
      id = node.parentSpanId;
    }
    return { toRoot: false, routed };
  }

  rootName(traceId: string): string {
    return this.traces.get(traceId)?.rootName ?? '';
  }

  /** Drops traces idle for longer than the TTL. */
  sweep(now: number): void {
    // Touches reorder nothing, so every entry is looked at: O(traces), hence at most ten times
    // per TTL however often the caller ticks.
    if (now - this.lastSweep < this.opts.ttlMs / 10) return;
    this.lastSweep = now;
    for (const [id, entry] of this.traces) {
      if (now - entry.touchedAt > this.opts.ttlMs) this.traces.delete(id);
    }
    if (this.order.length - this.orderHead > 2 * this.traces.size + 1024) {
      this.order = this.order.slice(this.orderHead).filter((e) => this.traces.get(e.traceId) === e);
      this.orderHead = 0;
    }
  }

  private create(traceId: string, now: number): TraceEntry {
    if (this.traces.size >= this.opts.maxTraces) this.evictOldest();
    const entry: TraceEntry = {
      traceId,
      nodes: undefined,
      servers: [],
      rootName: '',
      interesting: false,
      touchedAt: now,
    };
    this.traces.set(traceId, entry);
    this.order.push(entry);
    return entry;
  }

  private evictOldest(): void {
    while (this.orderHead < this.order.length) {
      const e = this.order[this.orderHead++] as TraceEntry;
      if (this.traces.get(e.traceId) === e) {
        this.traces.delete(e.traceId);
        break;
      }
    }
    if (this.orderHead > 1024 && this.orderHead * 2 > this.order.length) {
      this.order = this.order.slice(this.orderHead);
      this.orderHead = 0;
    }
  }
}

export interface RouteHit {
  route: string;
  source: 'attribute' | 'server_span';
}

/** The attributes {@link endpointOf} reads. */
export const ENDPOINT_KEYS = ['http.route', 'next.route'] as const;

/**
 * The route template of a SERVER span (`http.route`, else Next.js `next.route`), else ''.
 * The method is left out on purpose: alerts and dashboards name routes the way people say
 * them (`/api/refunds`), and one template rarely serves two LLM features by method alone.
 */
export function endpointOf(attrs: Attributes): string {
  const route = attrs['http.route'] ?? attrs['next.route'];
  return typeof route === 'string' ? route : '';
}

/** The first configured route key present on the span, else ''. */
export function labelOf(attrs: Attributes, keys: readonly string[]): string {
  for (const key of keys) {
    const v = attrs[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return '';
}

export function toNode(span: Span, routeKeys: readonly string[]): SpanNode {
  const service = span.resource.attributes['service.name'];
  return {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    kind: span.kind,
    name: span.name,
    service: typeof service === 'string' ? service : '',
    startTimeMs: span.startTimeMs,
    endTimeMs: span.endTimeMs,
    endpoint: span.kind === SpanKind.SERVER ? endpointOf(span.attributes) : '',
    label: labelOf(span.attributes, routeKeys),
    inherited: inheritedOf(span.attributes),
  };
}
