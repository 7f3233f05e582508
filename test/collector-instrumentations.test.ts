import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, runService, startTestAssay, type TestAssay } from './helpers/assay.ts';
import { startFakeOpenAi, type FakeOpenAi } from './helpers/fake-openai.ts';

// Real instrumentation libraries from npm, in real child processes, driving the real `openai`
// and `ai` SDKs against a local OpenAI-compatible server, exporting over OTLP/HTTP to the
// collector. Each call must land in ClickHouse once, with the route of its SERVER span.

interface CallRow {
  trace_id: string;
  provider: string;
  model: string;
  request_model: string;
  route: string;
  route_source: string;
  service: string;
  input_tokens: number;
  output_tokens: number;
  finish_reason: string;
  prompt: string;
  response: string;
  convention: string;
  status: string;
  duration_ms: number;
}

let assay: TestAssay;
let fake: FakeOpenAi;

beforeAll(async () => {
  assay = await startTestAssay();
  fake = await startFakeOpenAi(() => ({
    content: 'Your refund for order 1234 was issued on Monday.',
    model: 'gpt-4o-mini-2024-07-18',
    prompt_tokens: 31,
    completion_tokens: 12,
  }));
});

afterAll(async () => {
  await fake?.close();
  await assay?.shutdown();
});

const cases = [
  { service: 'otel-openai', convention: 'otel_genai', route: '/api/refunds', streamTokens: true },
  { service: 'openinference', convention: 'openinference', route: '/api/orders/:id', streamTokens: true },
  { service: 'traceloop', convention: 'openllmetry', route: '/api/support', streamTokens: true },
  { service: 'vercel-ai', convention: 'vercel_ai', route: '/api/assistant', streamTokens: false },
] as const;

describe.each(cases)('$service instrumentation', ({ service, convention, route }) => {
  it('stores one row per call with provider, model, route, tokens, finish reason, prompt and answer', async () => {
    const calls = 2;
    const result = await runService(service, {
      OTLP_ENDPOINT: assay.collector.url,
      PROVIDER_URL: fake.baseURL,
      ROUTE: route,
      CALLS: String(calls),
      SERVICE_NAME: `svc-${service}`,
    });
    expect(result.code, result.output).toBe(0);

    const rows = await eventually(async () => {
      const r = await assay.rows<CallRow>(
        'SELECT * FROM assay.llm_calls WHERE service = {service:String} ORDER BY timestamp',
        { service: `svc-${service}` },
      );
      return r.length >= calls ? r : undefined;
    });
    // Wait a little longer: a wrapper span counted twice would show up as a third row.
    await new Promise((r) => setTimeout(r, 500));
    const all = await assay.rows<CallRow>('SELECT * FROM assay.llm_calls WHERE service = {s:String}', {
      s: `svc-${service}`,
    });
    expect(all).toHaveLength(calls);
    expect(new Set(all.map((r) => r.trace_id)).size).toBe(calls);

    for (const row of rows) {
      expect(row.convention).toBe(convention);
      expect(row.provider).toBe('openai');
      expect(row.request_model).toBe('gpt-4o-mini');
      expect(row.model).toMatch(/^gpt-4o-mini/);
      expect(row.route).toBe(route);
      expect(row.route_source).toBe('server_span');
      expect(row.status).toBe('ok');
      expect(row.finish_reason).toBe('stop');
      expect(row.input_tokens).toBe(31);
      expect(row.output_tokens).toBe(12);
      expect(row.duration_ms).toBeGreaterThan(0);
      expect(row.prompt).toContain('Where is my refund for order 1234?');
      expect(row.response).toContain('Your refund for order 1234 was issued on Monday.');
    }
  });
});
