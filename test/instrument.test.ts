/**
 * The service-side helper, exporting through the real OpenTelemetry Node SDK and OTLP/HTTP
 * exporter to the collector's real OTLP/HTTP receiver (with an API key configured), whose sink
 * records the decoded spans.
 */
import { trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROUTE_KEYS } from '../collector/config.ts';
import { createReceiverServer } from '../collector/http/index.ts';
import { SpanKind, StatusCode, type Span } from '../collector/span.ts';
import { silentLogger } from '../core/logger.ts';
import {
  recordLlmCall,
  ROUTE_ATTRIBUTE,
  startAssayTracing,
  withRoute,
  type AssayTracing,
} from '../instrument/index.ts';

const API_KEY = 'assay-test-key-0001';
let receiver: FastifyInstance;
let tracing: AssayTracing;
const received: Span[] = [];

beforeAll(async () => {
  receiver = createReceiverServer({
    sink: {
      acceptSpans: (spans) => (received.push(...spans), { ok: true, rejected: 0 }),
      acceptLogs: () => ({ ok: true, rejected: 0 }),
    },
    config: { api_keys: [API_KEY], max_body_bytes: 4 * 1024 * 1024, retry_after_seconds: 1 },
    logger: silentLogger,
    isReady: () => true,
  });
  const address = await receiver.listen({ port: 0, host: '127.0.0.1' });
  tracing = startAssayTracing({
    endpoint: `${address}/`,
    serviceName: 'refund-service',
    environment: 'test',
    headers: { authorization: `Bearer ${API_KEY}` },
  });
});

afterAll(async () => {
  await tracing?.shutdown();
  await receiver?.close();
});

/** Flushes and returns the received spans named `name`. */
async function spansNamed(name: string): Promise<Span[]> {
  await tracing.forceFlush();
  return received.filter((s) => s.name === name);
}

const fakeCompletion = async (text: string) => ({
  model: 'gpt-4o-mini-2024-07-18',
  usage: { in: 12, out: 7 },
  text,
  stop: 'stop',
});
const extract = (r: Awaited<ReturnType<typeof fakeCompletion>>) => ({
  responseModel: r.model,
  inputTokens: r.usage.in,
  outputTokens: r.usage.out,
  finishReason: r.stop,
  outputText: r.text,
});

describe('instrument/', () => {
  it('uses the route attribute the collector reads first', () => {
    expect(DEFAULT_ROUTE_KEYS[0]).toBe(ROUTE_ATTRIBUTE);
  });

  it('exports a GenAI client span with request, response and usage attributes and the service resource', async () => {
    const result = await recordLlmCall(
      {
        provider: 'openai',
        model: 'gpt-4o-mini',
        serverAddress: 'api.openai.com',
        messages: [{ role: 'user', content: 'refund?' }],
      },
      () => fakeCompletion('Your refund is on its way.'),
      extract,
    );
    expect(result.text).toBe('Your refund is on its way.');
    const [span] = await spansNamed('chat gpt-4o-mini');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 7,
      'gen_ai.response.finish_reasons': ['stop'],
      'server.address': 'api.openai.com',
    });
    // Content capture is off by default: prompts and answers are sensitive.
    expect(span?.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(span?.attributes['gen_ai.output.messages']).toBeUndefined();
    expect(span?.resource.attributes).toMatchObject({
      'service.name': 'refund-service',
      'deployment.environment.name': 'test',
    });
  });

  it('labels spans inside withRoute with the route — including nested and async ones — and not outside', async () => {
    await withRoute('refund-answer', async () => {
      await recordLlmCall({ provider: 'anthropic', model: 'claude-inside', operation: 'chat' }, () =>
        fakeCompletion('a'),
      );
      await new Promise((r) => setTimeout(r, 5));
      trace.getTracer('app').startActiveSpan('db lookup', (s) => s.end());
    });
    await recordLlmCall({ provider: 'anthropic', model: 'claude-outside' }, () => fakeCompletion('b'));
    const [inside] = await spansNamed('chat claude-inside');
    const [dbSpan] = await spansNamed('db lookup');
    const [outside] = await spansNamed('chat claude-outside');
    expect(inside?.attributes[ROUTE_ATTRIBUTE]).toBe('refund-answer');
    expect(dbSpan?.attributes[ROUTE_ATTRIBUTE]).toBe('refund-answer');
    expect(outside).toBeDefined();
    expect(outside?.attributes[ROUTE_ATTRIBUTE]).toBeUndefined();
  });

  it('records prompt and answer in the v1.37 parts format only when content capture is opted in', async () => {
    await recordLlmCall(
      {
        provider: 'openai',
        model: 'gpt-capture',
        captureContent: true,
        messages: [{ role: 'user', content: 'Where is my refund?' }],
      },
      () => fakeCompletion('It was issued yesterday.'),
      extract,
    );
    const [span] = await spansNamed('chat gpt-capture');
    expect(JSON.parse(span?.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Where is my refund?' }] },
    ]);
    expect(JSON.parse(span?.attributes['gen_ai.output.messages'] as string)).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'It was issued yesterday.' }],
        finish_reason: 'stop',
      },
    ]);
  });

  it('marks a failed call ERROR with error.type and rethrows the original error', async () => {
    const failure = Object.assign(new Error('rate limited'), { status: 429 });
    await expect(
      recordLlmCall({ provider: 'openai', model: 'gpt-fails' }, () => Promise.reject(failure)),
    ).rejects.toBe(failure);
    const [span] = await spansNamed('chat gpt-fails');
    expect(span?.status.code).toBe(StatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe('429');
    expect(span?.events.map((e) => e.name)).toContain('exception');
  });
});
