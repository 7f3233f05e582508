import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluatorsConfigSchema } from '../evaluators/checks/config.ts';
import { createCheckPlan } from '../evaluators/checks/index.ts';
import { createCallLoader } from '../evaluators/worker/call-loader.ts';
import { runChecks } from '../evaluators/worker/evaluate.ts';
import { createRelatedLoader } from '../evaluators/worker/related-loader.ts';
import { eventually, runService, startTestAssay, type TestAssay } from './helpers/assay.ts';
import { startFakeOpenAi, type FakeAnswer, type FakeOpenAi } from './helpers/fake-openai.ts';

// A real agent (the Vercel AI SDK's multi-step `generateText` with tools, telemetry on) against
// the fake provider, through the real collector into the embedded ClickHouse; then the worker's
// loaders read each stored call and its trace, and the real checks score them.

const TASKS = ['valid', 'bad_args', 'unknown_tool', 'loop', 'filtered'] as const;

/** The "model": which tool calls it makes for a task, given how many tool results it has seen. */
function answer(body: Record<string, unknown>): FakeAnswer {
  const messages = (body['messages'] ?? []) as Array<{ role: string; content: unknown }>;
  const user = JSON.stringify(messages.find((m) => m.role === 'user')?.content ?? '');
  const task = /task:(\w+)/.exec(user)?.[1] ?? 'valid';
  const results = messages.filter((m) => m.role === 'tool').length;
  const done: FakeAnswer = { content: 'Order 1234 has shipped.' };
  switch (task) {
    case 'valid':
      return results
        ? done
        : { content: '', tool_calls: [{ name: 'get_order', arguments: '{"order_id":"1234"}' }] };
    case 'bad_args':
      return results
        ? done
        : { content: '', tool_calls: [{ name: 'get_order', arguments: '{"order_id":1234}' }] };
    case 'unknown_tool':
      return results
        ? done
        : { content: '', tool_calls: [{ name: 'track_parcel', arguments: '{"id":"1"}' }] };
    case 'loop':
      return results >= 4
        ? done
        : { content: '', tool_calls: [{ name: 'get_order', arguments: '{"order_id":"1234"}' }] };
    default:
      return { content: '', finish_reason: 'content_filter' };
  }
}

interface Row {
  trace_id: string;
  span_id: string;
  ts: number;
  service: string;
  provider: string;
  model: string;
  route: string;
  prompt: string;
}

let assay: TestAssay;
let fake: FakeOpenAi;
const verdicts = new Map<string, Array<Record<string, { passed: number; reason: string }>>>();

beforeAll(async () => {
  assay = await startTestAssay();
  fake = await startFakeOpenAi(answer);
  const run = await runService('vercel-ai-agent', {
    OTLP_ENDPOINT: assay.collector.url,
    PROVIDER_URL: fake.baseURL,
    ROUTE: '/api/agent',
    SERVICE_NAME: 'svc-agent',
    TASKS: TASKS.join(','),
  });
  expect(run.code, run.output).toBe(0);
  // valid 2 calls, bad_args 2, unknown_tool 2, loop 5, filtered 1
  const expected = 12;
  const rows = await eventually(async () => {
    const r = await assay.rows<Row>(
      `SELECT trace_id, span_id, toUnixTimestamp64Milli(timestamp) AS ts, service, provider, model, route, prompt
       FROM assay.llm_calls WHERE service = 'svc-agent' ORDER BY timestamp`,
    );
    if (r.length < expected) throw new Error(`${r.length} of ${expected} calls stored`);
    return r;
  });
  const client = assay.rt.clickhouse;
  const loader = createCallLoader({ client, database: 'assay', windowMs: 2, maxBatch: 100 });
  const related = createRelatedLoader({ client, database: 'assay', windowMs: 2, maxBatch: 100 });
  const plan = createCheckPlan(evaluatorsConfigSchema.parse({}), {});
  for (const r of rows) {
    const job = {
      v: 1 as const,
      trace_id: r.trace_id,
      span_id: r.span_id,
      timestamp: Number(r.ts),
      service: r.service,
      provider: r.provider,
      model: r.model,
      route: r.route,
      probability: 1,
      judge: false,
      judge_probability: 0,
    };
    const call = await loader.load(job);
    if (!call) throw new Error(`call ${r.trace_id}/${r.span_id} not found`);
    const rel = await related.load(job, call);
    const part = runChecks(plan, job, call, Date.now(), rel);
    const task = /task:(\w+)/.exec(r.prompt)?.[1] ?? '?';
    const list = verdicts.get(task) ?? [];
    list.push(
      Object.fromEntries(part.rows.map((s) => [s.evaluator, { passed: s.passed, reason: s.reason }])),
    );
    verdicts.set(task, list);
  }
}, 60_000);

afterAll(async () => {
  await fake?.close();
  await assay?.shutdown();
});

describe('agent checks on a real AI SDK agent', () => {
  it('passes a valid tool call and the answer after it', () => {
    const [first, second] = verdicts.get('valid') ?? [];
    expect(first?.['tool_call_valid']).toMatchObject({ passed: 1 });
    expect(first?.['tool_loop']).toMatchObject({ passed: 1 });
    expect(second?.['tool_call_valid']).toBeUndefined();
    expect(second?.['content_filtered']).toMatchObject({ passed: 1 });
  });

  it('fails arguments that break the schema and a tool that was not offered, naming them', () => {
    expect(verdicts.get('bad_args')?.[0]?.['tool_call_valid']).toEqual({
      passed: 0,
      reason: 'tool "get_order": /order_id must be string',
    });
    expect(verdicts.get('unknown_tool')?.[0]?.['tool_call_valid']?.reason).toBe(
      'tool "track_parcel" was not offered (offered: get_order, search_docs)',
    );
  });

  it('fails the third and later identical calls of a loop, not the first two', () => {
    const loop = (verdicts.get('loop') ?? []).map((v) => v['tool_loop']?.passed);
    expect(loop.slice(0, 4)).toEqual([1, 1, 0, 0]);
    expect(verdicts.get('loop')?.[3]?.['tool_loop']?.reason).toBe(
      'get_order({"order_id":"1234"}) called 4 times with the same arguments in this trace',
    );
  });

  it("fails a call the provider's content filter stopped", () => {
    expect(verdicts.get('filtered')?.[0]?.['content_filtered']).toMatchObject({ passed: 0 });
  });
});
