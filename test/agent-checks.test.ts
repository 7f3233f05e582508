import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluatorsConfigSchema } from '../evaluators/checks/config.ts';
import { createCheckPlan } from '../evaluators/checks/index.ts';
import { createCallLoader } from '../evaluators/worker/call-loader.ts';
import { createProcessor } from '../evaluators/worker/processor.ts';
import { workerConfigSchema } from '../evaluators/worker/config.ts';
import { createRelatedLoader } from '../evaluators/worker/related-loader.ts';
import { createScoreWriters, type ScoreWriters } from '../evaluators/scores/writer.ts';
import { silentLogger } from '../core/logger.ts';
import { parseConfig } from '../cli/config.ts';
import { readSeries } from '../alerts/series/series.ts';
import { eventually, runService, startTestAssay, type TestAssay } from './helpers/assay.ts';
import { startFakeOpenAi, type FakeAnswer, type FakeOpenAi } from './helpers/fake-openai.ts';

/** The score writers' limits as `worker.writer` defaults them. */
const { writer } = workerConfigSchema.parse({});
const writerLimits = {
  batchRows: writer.batch_rows,
  maxBufferedRows: writer.max_buffered_rows,
  maxSpoolBytes: writer.max_spool_bytes,
};

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

/** The AI SDK agent's tools as an OpenAI `tools` list, for the instrumented `openai` services. */
const OPENAI_TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_order',
      description: 'Look up an order by its number.',
      parameters: {
        type: 'object',
        properties: { order_id: { type: 'string', pattern: '^[0-9]+$' } },
        required: ['order_id'],
        additionalProperties: false,
      },
    },
  },
];
const INSTRUMENTED = [
  ['openinference', 'valid'],
  ['openinference', 'bad_args'],
  ['traceloop', 'valid'],
  ['traceloop', 'bad_args'],
] as const;

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
let writers: ScoreWriters | undefined;
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
  // The same tools through OpenInference's and OpenLLMetry's OpenAI instrumentations: one call a run.
  for (const [service, task] of INSTRUMENTED) {
    const r = await runService(service, {
      OTLP_ENDPOINT: assay.collector.url,
      PROVIDER_URL: fake.baseURL,
      ROUTE: '/api/agent',
      SERVICE_NAME: `svc-${service}`,
      CALLS: '1',
      QUESTION: `task:${task} Where is my order 1234?`,
      TOOLS: JSON.stringify(OPENAI_TOOLS),
    });
    expect(r.code, r.output).toBe(0);
  }
  // AI SDK: valid 2 calls, bad_args 2, unknown_tool 2, loop 5, filtered 1; then one per run
  const expected = 12 + INSTRUMENTED.length;
  const rows = await eventually(async () => {
    const r = await assay.rows<Row>(
      `SELECT trace_id, span_id, toUnixTimestamp64Milli(timestamp) AS ts, service, provider, model, route, prompt
       FROM assay.llm_calls ORDER BY timestamp`,
    );
    if (r.length < expected) throw new Error(`${r.length} of ${expected} calls stored`);
    return r;
  });
  // The worker's processor, loaders and writers on the real ClickHouse (no queue: jobs by hand).
  const client = assay.rt.clickhouse;
  writers = createScoreWriters({
    client,
    database: 'assay',
    spoolDir: `${assay.dataDir}/spool`,
    flushIntervalMs: 20,
    ...writerLimits,
    logger: silentLogger,
  });
  const process = createProcessor({
    loader: createCallLoader({ client, database: 'assay', windowMs: 2, maxBatch: 100 }),
    related: createRelatedLoader({ client, database: 'assay', windowMs: 2, maxBatch: 100 }),
    checks: createCheckPlan(evaluatorsConfigSchema.parse({}), {}),
    judges: null,
    writers,
    maxStarts: 3,
  });
  for (const r of rows) {
    const data = {
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
    await process(
      { data, attemptsStarted: 1, attemptsMade: 0, timestamp: Date.now() } as unknown as Job,
      't',
    );
  }
  const scores = await assay.rows<{
    trace_id: string;
    span_id: string;
    evaluator: string;
    passed: number;
    reason: string;
  }>(`SELECT trace_id, span_id, evaluator, passed, reason FROM assay.llm_scores`);
  for (const r of rows) {
    const task = `${r.service === 'svc-agent' ? '' : `${r.service}:`}${/task:(\w+)/.exec(r.prompt)?.[1] ?? '?'}`;
    const mine = scores.filter((s) => s.trace_id === r.trace_id && s.span_id === r.span_id);
    const list = verdicts.get(task) ?? [];
    list.push(Object.fromEntries(mine.map((s) => [s.evaluator, { passed: s.passed, reason: s.reason }])));
    verdicts.set(task, list);
  }
}, 60_000);

afterAll(async () => {
  await writers?.shutdown();
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

  it('rolls tool-call validity up by agent and tool, and an alert rule reads it split by tool', async () => {
    const byTool = await assay.rows<{ agent_name: string; tool: string; n: number; passes: number }>(
      `SELECT agent_name, tool, sum(n) AS n, sum(passes) AS passes FROM assay.llm_scores_agent_1m
       WHERE evaluator = 'tool_call_valid' AND service = 'svc-agent' GROUP BY agent_name, tool ORDER BY tool`,
    );
    expect(byTool.map((r) => [r.tool, Number(r.n), Number(r.passes)])).toEqual([
      ['get_order', 6, 5],
      ['track_parcel', 1, 0],
    ]);
    const rule = parseConfig({
      alerts: { rules: [{ name: 'tools', metric: 'pass_rate', evaluator: 'tool_call_valid', by: ['tool'] }] },
    }).alerts.rules[0];
    if (!rule) throw new Error('no rule');
    const series = await readSeries(assay.rt.clickhouse, 'assay', rule, Date.now() + 60_000);
    expect(
      Object.fromEntries(
        series.map((s) => [s.labels.tool, s.current.kind === 'proportion' ? s.current.k : -1]),
      ),
    ).toEqual({ get_order: 3, track_parcel: 1 }); // one bad get_order per instrumentation
  });

  it.each(['openinference', 'traceloop'])(
    'reads the tool calls and tool definitions of the %s instrumentation and checks them',
    (service) => {
      expect(verdicts.get(`svc-${service}:valid`)?.[0]?.['tool_call_valid']).toMatchObject({ passed: 1 });
      expect(verdicts.get(`svc-${service}:bad_args`)?.[0]?.['tool_call_valid']).toEqual({
        passed: 0,
        reason: 'tool "get_order": /order_id must be string',
      });
    },
  );
});
