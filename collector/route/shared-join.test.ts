import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../cli/config.ts';
import type { LlmCall } from '../../core/llm-call.ts';
import { silentLogger } from '../../core/logger.ts';
import { registry } from '../../core/metrics.ts';
import { eventually } from '../../test/helpers/eventually.ts';
import { CollectorPipeline } from '../pipeline.ts';
import { SpanKind, type LogRecord, type Span } from '../span.ts';
import { MemoryJoinHub } from './memory-join-store.ts';
import type { JoinStore } from './redis-join-store.ts';

import { resource, scope, testSpan as span, TRACE } from '../../test/support/spans.ts';

/** A call whose content comes as log records (OTel GenAI v1.28–v1.36). */
const call = (spanId: string, parent: string): Span =>
  span(
    spanId,
    parent,
    SpanKind.CLIENT,
    { 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini' },
    'chat gpt-4o-mini',
  );
/** Its ancestors: a plain span, one naming the conversation, the SERVER root with the route. */
const ancestors = (): Span[] => [
  span('c000000000000001', 'd000000000000001', SpanKind.INTERNAL, {}, 'work'),
  span('d000000000000001', 'a000000000000001', SpanKind.INTERNAL, { 'session.id': 'conv-42' }, 'handler'),
  span('a000000000000001', '', SpanKind.SERVER, { 'http.route': '/api/refunds' }, 'POST /api/refunds'),
];
const record = (eventName: string, body: Record<string, unknown>, timeMs: number): LogRecord => ({
  traceId: TRACE,
  spanId: 'b000000000000001',
  timeMs,
  eventName,
  body: body as LogRecord['body'],
  attributes: {},
  resource,
  scope,
});
const logs = (): LogRecord[] => [
  record('gen_ai.user.message', { content: 'Where is my refund?' }, 1_760_000_000_100),
  record(
    'gen_ai.choice',
    { index: 0, finish_reason: 'stop', message: { content: 'Issued.' } },
    1_760_000_000_900,
  ),
];

const pipelines: CollectorPipeline[] = [];
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((p) => p.shutdown()));
});

function setup(joinStore?: JoinStore, wait = '300ms') {
  const stored: LlmCall[] = [];
  const replayed: LlmCall[] = [];
  const sink = (into: LlmCall[]) => ({
    add: (rows: LlmCall[]) => (into.push(...rows), { accepted: true, done: Promise.resolve() }),
    available: () => 1000,
  });
  const p = new CollectorPipeline({
    config: parseConfig({ collector: { route: { wait }, join_store: { timeout: '100ms' } } }).collector,
    logger: silentLogger,
    price: () => null,
    redact: (s) => s,
    sink: sink(stored),
    replaySink: sink(replayed),
    joinStore,
  });
  pipelines.push(p);
  return { p, stored, replayed };
}

const row = (c: LlmCall) => [c.route, c.route_source, c.conversation_id, c.prompt, c.response];
const settled = () => new Promise((r) => setTimeout(r, 20));

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const values = (m?.values ?? []) as Array<{ value: number; labels: Record<string, unknown> }>;
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((s, v) => s + v.value, 0);
}

describe('the shared join store', () => {
  it('completes a call from what two other collectors received, as one collector does', async () => {
    const one = setup();
    one.p.acceptSpans([call('b000000000000001', 'c000000000000001')]);
    one.p.acceptLogs(logs());
    one.p.acceptSpans(ancestors());
    const expected = (await eventually(async () => (one.stored.length ? one.stored : undefined))).map(row);
    expect(expected).toEqual([
      ['/api/refunds', 'server_span', 'conv-42', 'user: Where is my refund?', 'Issued.'],
    ]);

    const hub = new MemoryJoinHub();
    const [a, b, c] = [setup(hub.store('a')), setup(hub.store('b')), setup(hub.store('c'))];
    a.p.acceptSpans([call('b000000000000001', 'c000000000000001')]);
    await settled();
    c.p.acceptLogs(logs());
    b.p.acceptSpans(ancestors());
    const rows = await eventually(async () => (a.stored.length ? a.stored : undefined));
    expect(rows.map(row)).toEqual(expected);
    expect([b.stored, c.stored]).toEqual([[], []]);
  });

  it('completes a call replayed from the write-ahead log with what others published', async () => {
    const hub = new MemoryJoinHub();
    const [a, b] = [setup(hub.store('a')), setup(hub.store('b'))];
    b.p.acceptSpans(ancestors());
    b.p.acceptLogs(logs());
    await settled();
    a.p.acceptSpans([call('b000000000000001', 'c000000000000001')], { seg: 0, lsn: 0, replayed: true });
    const rows = await eventually(async () => (a.replayed.length ? a.replayed : undefined));
    // The plain span reached the store before any collector waited: not kept, as one collector
    // would not have kept it either; the SERVER span that encloses the call still names the route.
    expect(rows.map(row)).toEqual([
      ['/api/refunds', 'server_span', '', 'user: Where is my refund?', 'Issued.'],
    ]);
    expect(a.stored).toEqual([]);
  });

  it('stores a call at once when its request holds its whole ancestry, whatever the store does', () => {
    const hanging: JoinStore = {
      exchange: () => new Promise(() => undefined),
      inbox: () => new Promise(() => undefined),
      shutdown: () => Promise.resolve(),
    };
    const { p, stored } = setup(hanging);
    const withContent = call('b000000000000001', 'a000000000000001');
    withContent.attributes['gen_ai.input.messages'] = JSON.stringify([
      { role: 'user', parts: [{ type: 'text', content: 'Hi?' }] },
    ]);
    withContent.attributes['gen_ai.output.messages'] = JSON.stringify([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello.' }], finish_reason: 'stop' },
    ]);
    p.acceptSpans([withContent, ancestors()[2] as Span]);
    expect(stored.map(row)).toEqual([['/api/refunds', 'server_span', '', 'user: Hi?', 'Hello.']]);
  });

  it('keeps every call when Redis fails or hangs: what this collector knows decides, counted', async () => {
    const failing: JoinStore = {
      exchange: () => Promise.reject(new Error('connection refused')),
      inbox: () => Promise.reject(new Error('connection refused')),
      shutdown: () => Promise.resolve(),
    };
    const hanging: JoinStore = {
      exchange: () => new Promise(() => undefined),
      inbox: () => new Promise(() => undefined),
      shutdown: () => Promise.resolve(),
    };
    const errors0 = await metric('assay_join_store_failures_total', { reason: 'error' });
    const timeouts0 = await metric('assay_join_store_failures_total', { reason: 'timeout' });
    for (const store of [failing, hanging]) {
      const { p, stored } = setup(store);
      p.acceptSpans([call('b000000000000001', 'c000000000000001'), ...ancestors()]);
      p.acceptLogs(logs());
      p.acceptSpans([call('b000000000000002', 'e000000000000001')]);
      const rows = await eventually(async () => (stored.length === 2 ? stored : undefined));
      expect(rows.map((c) => [c.span_id, ...row(c)])).toEqual([
        [
          'b000000000000001',
          '/api/refunds',
          'server_span',
          'conv-42',
          'user: Where is my refund?',
          'Issued.',
        ],
        // Its parent unknown: the SERVER span enclosing it names the route; its content never came.
        ['b000000000000002', '/api/refunds', 'server_span', '', '', ''],
      ]);
    }
    expect(await metric('assay_join_store_failures_total', { reason: 'error' })).toBeGreaterThan(errors0);
    expect(await metric('assay_join_store_failures_total', { reason: 'timeout' })).toBeGreaterThan(timeouts0);
  });
});
