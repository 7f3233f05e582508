import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../cli/config.ts';
import type { LlmCall } from '../core/llm-call.ts';
import { silentLogger } from '../core/logger.ts';
import { eventually } from '../test/helpers/eventually.ts';
import { CollectorPipeline, spanSelection } from './pipeline.ts';
import { SpanKind, type Attributes, type LogRecord, type Span } from './span.ts';

import { resource, scope, testSpan as span, TRACE } from '../test/support/spans.ts';

const llm = (spanId: string, parent: string, extra: Attributes = {}): Span =>
  span(
    spanId,
    parent,
    SpanKind.CLIENT,
    {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Hi?' }] }]),
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: 'Hello.' }], finish_reason: 'stop' },
      ]),
      ...extra,
    },
    'chat gpt-4o-mini',
  );
const server = (spanId: string, route: string): Span =>
  span(spanId, '', SpanKind.SERVER, { 'http.route': route }, `POST ${route}`);
const internal = (spanId: string, parent: string): Span =>
  span(spanId, parent, SpanKind.INTERNAL, {}, 'work');

const pipelines: CollectorPipeline[] = [];
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((p) => p.shutdown()));
});

function setup(wait = '300ms') {
  const stored: LlmCall[] = [];
  const config = parseConfig({ collector: { route: { wait } } }).collector;
  const p = new CollectorPipeline({
    config,
    logger: silentLogger,
    price: () => null,
    redact: (s) => s,
    sink: {
      add: (rows) => (stored.push(...rows), { accepted: true, done: Promise.resolve() }),
      available: () => 1000,
    },
  });
  pipelines.push(p);
  return { p, stored };
}

describe('CollectorPipeline', () => {
  it('stores a call at once when its SERVER ancestor is already known', () => {
    const { p, stored } = setup();
    expect(
      p.acceptSpans([server('a000000000000001', '/api/refunds'), llm('b000000000000001', 'a000000000000001')])
        .ok,
    ).toBe(true);
    expect(stored.map((c) => [c.route, c.route_source, c.prompt, c.response])).toEqual([
      ['/api/refunds', 'server_span', 'user: Hi?', 'Hello.'],
    ]);
    expect(p.held).toBe(0);
  });

  it('waits for an ancestor that arrives in a later request, through spans in between', () => {
    const { p, stored } = setup();
    p.acceptSpans([llm('b000000000000001', 'c000000000000001')]);
    expect(stored).toHaveLength(0);
    expect(p.held).toBe(1);
    p.acceptSpans([internal('c000000000000001', 'a000000000000001')]);
    expect(stored).toHaveLength(0);
    p.acceptSpans([server('a000000000000001', '/api/chat')]);
    expect(stored.map((c) => [c.route, c.route_source])).toEqual([['/api/chat', 'server_span']]);
    expect(p.held).toBe(0);
  });

  it('takes the agent, conversation and user a call lacks from the ancestors on its way to the route', () => {
    const { p, stored } = setup();
    // An agent span (invoke_agent naming its agent as the OpenAI Agents SDK does, `agent_name`, not a
    // route key) ends, and is exported, after the calls it made.
    const agent = (spanId: string, parent: string, attributes: Attributes): Span =>
      span(
        spanId,
        parent,
        SpanKind.INTERNAL,
        { 'gen_ai.operation.name': 'invoke_agent', ...attributes },
        'invoke_agent',
      );
    p.acceptSpans([
      llm('b000000000000001', 'c000000000000001'),
      llm('b000000000000002', 'c000000000000001', { agent_name: 'own-name' }),
    ]);
    expect(stored).toHaveLength(0);
    p.acceptSpans([
      agent('c000000000000001', 'd000000000000001', { agent_name: 'refund-agent' }),
      span(
        'd000000000000001',
        'a000000000000001',
        SpanKind.INTERNAL,
        { 'session.id': 'conv-42', 'user.id': 'u-7' },
        'handler',
      ),
      server('a000000000000001', '/api/refunds'),
    ]);
    expect(stored.map((c) => [c.span_id, c.route, c.agent_name, c.conversation_id, c.user_id])).toEqual([
      ['b000000000000001', '/api/refunds', 'refund-agent', 'conv-42', 'u-7'],
      ['b000000000000002', '/api/refunds', 'own-name', 'conv-42', 'u-7'],
    ]);
  });

  it('takes them from ancestors in the same request too, and from ancestors of a call that falls back to the root name', async () => {
    const { p, stored } = setup('100ms');
    // A batch job with no SERVER span (Spring AI's shape): root job span, a session span, the call.
    p.acceptSpans([
      llm('b000000000000001', 'c000000000000001'),
      span(
        'c000000000000001',
        'a000000000000001',
        SpanKind.INTERNAL,
        { agent_name: 'nightly-agent' },
        'agent',
      ),
      span('a000000000000001', '', SpanKind.INTERNAL, { 'session.id': 'batch-9' }, 'nightly-batch'),
    ]);
    const rows = await eventually(async () => (stored.length ? stored : undefined));
    expect(rows.map((c) => [c.route, c.route_source, c.agent_name, c.conversation_id])).toEqual([
      ['nightly-batch', 'root_span', 'nightly-agent', 'batch-9'],
    ]);
  });

  it('keeps the agent and conversation keys of spans that are not calls when decoding selectively', () => {
    const { keeps } = spanSelection([]);
    for (const key of ['gen_ai.agent.name', 'agent_name', 'session.id', 'gen_ai.conversation.id', 'user.id'])
      expect(keeps.has(key)).toBe(true);
  });

  it('takes an explicit route attribute without waiting', () => {
    const { p, stored } = setup();
    p.acceptSpans([llm('b000000000000001', 'c000000000000001', { 'assay.route': 'refund-bot' })]);
    expect(stored.map((c) => [c.route, c.route_source])).toEqual([['refund-bot', 'attribute']]);
  });

  it('falls back to the root span name once the wait is over', async () => {
    const { p, stored } = setup('100ms');
    p.acceptSpans([
      span('a000000000000001', '', SpanKind.INTERNAL, {}, 'nightly-batch'),
      llm('b000000000000001', 'c000000000000001'),
    ]);
    expect(stored).toHaveLength(0);
    await expect.poll(() => stored.length, { timeout: 3000 }).toBe(1);
    expect([stored[0]?.route, stored[0]?.route_source]).toEqual(['nightly-batch', 'root_span']);
  });

  it('drops a span it already accepted (an exporter retry), also once it was stored', () => {
    const { p, stored } = setup();
    const batch = [server('a000000000000001', '/api/refunds'), llm('b000000000000001', 'a000000000000001')];
    p.acceptSpans(batch);
    p.acceptSpans(batch);
    expect(stored).toHaveLength(1);
  });

  it('joins content that came as log records (OTel GenAI v1.28–v1.36), before or after the span', () => {
    const { p, stored } = setup();
    const legacy = (id: string): Span => {
      const s = llm(id, 'a000000000000001', { 'gen_ai.system': 'openai' });
      for (const k of ['gen_ai.provider.name', 'gen_ai.input.messages', 'gen_ai.output.messages'])
        delete s.attributes[k];
      return s;
    };
    const record = (spanId: string, eventName: string, body: Record<string, unknown>): LogRecord => ({
      traceId: TRACE,
      spanId,
      timeMs: 1_760_000_000_500,
      eventName,
      body: body as LogRecord['body'],
      attributes: {},
      resource,
      scope,
    });
    // The two records the instrumentation sends for one call: the question and the answer.
    const exchange = (spanId: string, question: string, answer: string): LogRecord[] => [
      record(spanId, 'gen_ai.user.message', { content: question }),
      record(spanId, 'gen_ai.choice', { index: 0, finish_reason: 'stop', message: { content: answer } }),
    ];
    p.acceptSpans([server('a000000000000001', '/api/chat')]);
    // Records first for one call, span first for the other.
    p.acceptLogs(exchange('b000000000000001', 'early question', 'early answer'));
    p.acceptSpans([legacy('b000000000000001'), legacy('b000000000000002')]);
    expect(stored.map((c) => c.response)).toEqual(['early answer']);
    p.acceptLogs(exchange('b000000000000002', 'late question', 'late answer'));
    expect(stored.map((c) => [c.prompt, c.response, c.route])).toEqual([
      ['user: early question', 'early answer', '/api/chat'],
      ['user: late question', 'late answer', '/api/chat'],
    ]);
  });
});
