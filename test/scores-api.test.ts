import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../core/metrics.ts';
import { startTestAssay, type TestAssay } from './helpers/assay.ts';
import { eventually } from './helpers/eventually.ts';
import { otlpJsonRequest, type SimCall } from './helpers/otlp-json.ts';

// POST /v1/scores and gen_ai.evaluation.result log records against the real collector (in this
// process) and the real ClickHouse engine (embedded): valid, invalid, duplicate and oversized
// batches, scores that arrive before their call, and events sent by the real OTel JS exporter.

const KEY = 'scores-test-key-1';
const MAX_BATCH = 500;
let assay: TestAssay;
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

async function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${assay.collector.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: asserted on status only
  }
  return { status: res.status, json, headers: res.headers };
}

const postScores = (scores: unknown[]) => postJson('/v1/scores', { scores });

/** Sends calls as OTLP/JSON and waits until ClickHouse has them; returns their ids. */
async function storeCalls(calls: SimCall[]): Promise<{ traceId: string; spanId: string }[]> {
  const withIds = calls.map((c) => ({ ...c, traceId: c.traceId ?? hex(16) }));
  const { body, spanIds } = otlpJsonRequest(withIds);
  expect((await postJson('/v1/traces', body)).status).toBe(200);
  const ids = withIds.map((c, i) => ({ traceId: c.traceId, spanId: spanIds[i] as string }));
  // Trace ids travel in the query's URL: counted 100 at a time.
  await eventually(async () => {
    let stored = 0;
    for (let k = 0; k < ids.length; k += 100) {
      const [r] = await assay.rows<{ n: number }>(
        'SELECT count() AS n FROM assay.llm_calls WHERE trace_id IN {t:Array(String)}',
        { t: ids.slice(k, k + 100).map((i) => i.traceId) },
      );
      stored += Number(r?.n);
    }
    return stored === ids.length ? true : undefined;
  });
  return ids;
}

/** The real OTel JS logs SDK exporting to the collector as a service named `service`. */
const logsProvider = (service: string): LoggerProvider =>
  new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    processors: [
      new SimpleLogRecordProcessor({
        exporter: new OTLPLogExporter({
          url: `${assay.collector.url}/v1/logs`,
          headers: { authorization: `Bearer ${KEY}` },
        }),
      }),
    ],
  });

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = registry.getSingleMetric(name);
  const values = m ? (await m.get()).values : [];
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((a, v) => a + v.value, 0);
}

beforeAll(async () => {
  assay = await startTestAssay({
    collector: {
      api_keys: [KEY],
      max_body_bytes: 2 * 1024 * 1024,
      scores: { max_batch: MAX_BATCH, resolve_interval: '200ms', resolve_wait: '3s' },
    },
  });
});

afterAll(async () => {
  await assay?.shutdown();
});

describe('POST /v1/scores', () => {
  it('stores external scores and feedback with the call dimensions, redacted, in the rollups', async () => {
    const [a, b] = await storeCalls([
      { route: '/api/refunds', provider: 'openai', model: 'gpt-4o-mini', service: 'support' },
      {
        route: '/api/orders',
        provider: 'anthropic',
        model: 'claude-x',
        service: 'support',
        agent: 'order-bot',
      },
    ]);
    if (!a || !b) throw new Error('calls not stored');
    const res = await postScores([
      {
        trace_id: a.traceId,
        span_id: a.spanId,
        evaluator: 'faithfulness',
        version: '2',
        score: 0.2,
        reason: 'made up a date',
        source: 'ragas',
      },
      { trace_id: b.traceId, evaluator: 'tone', label: 'polite', passed: true, source: 'ragas' },
      {
        trace_id: a.traceId,
        span_id: a.spanId,
        kind: 'feedback',
        thumbs: 'down',
        comment: 'wrong, mail me at jane.doe@example.org',
      },
      { trace_id: b.traceId, span_id: b.spanId, kind: 'feedback', rating: 4 },
    ]);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ accepted: 4, stored: 4, waiting: 0, duplicates: 0 });
    expect(res.json['partialSuccess']).toBeUndefined();
    const rows = await assay.rows<Record<string, string | number>>(
      `SELECT trace_id, span_id, provider, route, model, service, evaluator, evaluator_version, kind, source,
          score, passed, outcome, label, reason
        FROM assay.llm_scores WHERE trace_id IN {t:Array(String)} ORDER BY evaluator, kind`,
      { t: [a.traceId, b.traceId] },
    );
    expect(rows).toHaveLength(4);
    const by = (e: string) => rows.find((r) => r['evaluator'] === e);
    expect(by('faithfulness')).toMatchObject({
      span_id: a.spanId,
      provider: 'openai',
      route: '/api/refunds',
      model: 'gpt-4o-mini',
      service: 'support',
      evaluator_version: '2',
      kind: 'external',
      source: 'ragas',
      score: 0.2,
      passed: 0,
      outcome: 'fail',
      reason: 'made up a date',
    });
    // Trace id alone: the trace's (only) call.
    // The agent is copied too: feedback on an agent's answers reaches the agent rollups.
    const [agentRollup] = await assay.rows<{ n: number }>(
      `SELECT sum(n) AS n FROM assay.llm_scores_agent_1m WHERE agent_name = 'order-bot' AND kind IN ('external', 'feedback')`,
    );
    expect(Number(agentRollup?.n)).toBe(2);
    expect(by('tone')).toMatchObject({
      span_id: b.spanId,
      provider: 'anthropic',
      label: 'polite',
      outcome: 'pass',
      score: 1,
    });
    const feedback = rows.filter((r) => r['evaluator'] === 'user_feedback');
    expect(feedback.find((r) => r['trace_id'] === a.traceId)).toMatchObject({
      kind: 'feedback',
      source: 'user',
      score: 0,
      outcome: 'fail',
      label: 'thumbs_down',
      reason: 'wrong, mail me at [REDACTED:email]',
    });
    expect(feedback.find((r) => r['trace_id'] === b.traceId)).toMatchObject({
      score: 0.75,
      outcome: 'pass',
      label: 'rating_4_of_5',
    });
    const rollup = await assay.rows<{ kind: string; n: number; passes: number }>(
      `SELECT kind, sum(n) AS n, sum(passes) AS passes FROM assay.llm_scores_1m
        WHERE kind IN ('external', 'feedback') AND service = 'support' GROUP BY kind ORDER BY kind`,
    );
    expect(rollup).toEqual([
      { kind: 'external', n: 2, passes: 1 },
      { kind: 'feedback', n: 2, passes: 1 },
    ]);
  });

  it('rejects invalid items one by one with the reason, and keeps the valid ones', async () => {
    const [c] = await storeCalls([{ route: '/api/invalid' }]);
    if (!c) throw new Error('call not stored');
    const before = await metric('assay_external_scores_rejected_total', {
      via: 'api',
      reason: 'invalid_score',
    });
    const res = await postScores([
      { trace_id: c.traceId, span_id: c.spanId, evaluator: 'ok_one', score: 1 },
      { trace_id: 'xyz', evaluator: 'bad_trace', score: 1 },
      { trace_id: c.traceId, evaluator: 'too_high', score: 1.5 },
      { trace_id: c.traceId, score: 0.5 },
      { trace_id: c.traceId, kind: 'feedback', rating: 9 },
      { trace_id: c.traceId, evaluator: 'has space', score: 1 },
      { trace_id: c.traceId, evaluator: 'extra', score: 1, colour: 'red' },
    ]);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ accepted: 1, stored: 1 });
    const errors = res.json['errors'] as { index: number; reason: string }[];
    expect(errors.map((e) => e.index)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(errors[0]?.reason).toMatch(/^trace_id: must be 32 hex characters/);
    expect(errors[1]?.reason).toMatch(/^score: /);
    expect(errors[2]?.reason).toBe('evaluator: required for kind external');
    expect(errors[3]?.reason).toBe('rating: must be between 1 and 5');
    expect(errors[4]?.reason).toMatch(/^evaluator: letters, digits/);
    expect(errors[5]?.reason).toMatch(/colour/);
    expect(res.json['partialSuccess']).toMatchObject({ rejectedScores: 6 });
    expect(String((res.json['partialSuccess'] as { errorMessage: string }).errorMessage)).toContain(
      'scores[3]: evaluator: required for kind external',
    );
    expect(
      await metric('assay_external_scores_rejected_total', { via: 'api', reason: 'invalid_score' }),
    ).toBe(before + 6);
  });

  it('refuses bodies that are not a batch, other media types and missing tokens', async () => {
    expect((await postJson('/v1/scores', '{not json')).status).toBe(400);
    const noArray = await postJson('/v1/scores', { score: 1 });
    expect(noArray.status).toBe(400);
    expect(noArray.json['error']).toBe('body must be an object with a "scores" array');
    expect((await postJson('/v1/scores', { scores: [] }, { 'content-type': 'text/plain' })).status).toBe(415);
    expect(
      (await postJson('/v1/scores', { scores: [] }, { authorization: 'Bearer wrong-key-000' })).status,
    ).toBe(401);
  });

  it('is idempotent: the same batch again stores nothing new, in the table or its rollup', async () => {
    const [d] = await storeCalls([{ route: '/api/dupes' }]);
    if (!d) throw new Error('call not stored');
    const batch = [
      {
        trace_id: d.traceId,
        span_id: d.spanId,
        evaluator: 'dupe_eval',
        version: '1',
        score: 0.9,
        source: 's1',
      },
      {
        trace_id: d.traceId,
        span_id: d.spanId,
        evaluator: 'dupe_eval',
        version: '1',
        score: 0.9,
        source: 's1',
      },
      // Another source or version is another score.
      {
        trace_id: d.traceId,
        span_id: d.spanId,
        evaluator: 'dupe_eval',
        version: '1',
        score: 0.1,
        source: 's2',
      },
      {
        trace_id: d.traceId,
        span_id: d.spanId,
        evaluator: 'dupe_eval',
        version: '2',
        score: 0.8,
        source: 's1',
      },
    ];
    expect((await postScores(batch)).json).toMatchObject({ accepted: 4, stored: 3, duplicates: 1 });
    expect((await postScores(batch)).json).toMatchObject({ accepted: 4, stored: 0, duplicates: 4 });
    const [raw] = await assay.rows<{ n: string }>(
      `SELECT count() AS n FROM assay.llm_scores WHERE trace_id = {t:String}`,
      { t: d.traceId },
    );
    const [rolled] = await assay.rows<{ n: string }>(
      `SELECT sum(n) AS n FROM assay.llm_scores_1m WHERE route = '/api/dupes' AND evaluator = 'dupe_eval'`,
    );
    expect(Number(raw?.n)).toBe(3);
    expect(Number(rolled?.n)).toBe(3);
  });

  it('stores a large batch: calls looked up and duplicates checked 200 traces per query', async () => {
    const calls = await storeCalls(Array.from({ length: 450 }, () => ({ route: '/api/bulk' })));
    const batch = calls.map((c, i) => ({
      trace_id: c.traceId,
      span_id: c.spanId,
      evaluator: 'bulk',
      score: (i % 10) / 10,
    }));
    const first = await postScores(batch);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ accepted: 450, stored: 450, waiting: 0 });
    expect((await postScores(batch)).json).toMatchObject({ accepted: 450, stored: 0, duplicates: 450 });
    const [n] = await assay.rows<{ n: number }>(
      `SELECT sum(n) AS n FROM assay.llm_scores_1m WHERE evaluator = 'bulk' AND route = '/api/bulk'`,
    );
    expect(Number(n?.n)).toBe(450);
  });

  it('refuses a batch over max_batch and a body over max_body_bytes with 413 and the reason', async () => {
    const items = Array.from({ length: MAX_BATCH + 1 }, () => ({
      trace_id: hex(16),
      evaluator: 'e',
      score: 1,
    }));
    const res = await postScores(items);
    expect(res.status).toBe(413);
    expect(res.json['error']).toBe(
      `${MAX_BATCH + 1} scores in one request; at most ${MAX_BATCH} (collector.scores.max_batch)`,
    );
    const huge = await postScores([
      { trace_id: hex(16), evaluator: 'e', score: 1, reason: 'x'.repeat(2100 * 1024) },
    ]);
    expect(huge.status).toBe(413);
    const [n] = await assay.rows<{ n: string }>(
      `SELECT count() AS n FROM assay.score_inbox WHERE evaluator = 'e'`,
    );
    expect(Number(n?.n)).toBe(0);
  });

  it('keeps a score that arrives before its call, and files it once the call is stored', async () => {
    const traceId = hex(16);
    const early = await postScores([{ trace_id: traceId, kind: 'feedback', thumbs: 'up' }]);
    expect(early.json).toMatchObject({ accepted: 1, stored: 0, waiting: 1 });
    const [call] = await storeCalls([{ traceId, route: '/api/late', provider: 'openai' }]);
    const row = await eventually(async () => {
      const [r] = await assay.rows<{ span_id: string; route: string; kind: string }>(
        'SELECT span_id, route, kind FROM assay.llm_scores WHERE trace_id = {t:String}',
        { t: traceId },
      );
      return r;
    });
    expect(row).toEqual({ span_id: call?.spanId, route: '/api/late', kind: 'feedback' });
    // The inbox row is marked resolved right after the score is written.
    const state = await eventually(async () => {
      const [r] = await assay.rows<{ state: string }>(
        'SELECT state FROM assay.score_inbox FINAL WHERE trace_id = {t:String}',
        { t: traceId },
      );
      return r?.state === 'pending' ? undefined : r?.state;
    });
    expect(state).toBe('resolved');
    // Posted again after it was filed: still one row.
    expect((await postScores([{ trace_id: traceId, kind: 'feedback', thumbs: 'up' }])).json).toMatchObject({
      stored: 0,
      duplicates: 1,
    });
  });

  it('marks a score whose call never comes orphaned after resolve_wait, kept and counted', async () => {
    const before = await metric('assay_external_scores_orphaned_total');
    const traceId = hex(16);
    expect((await postScores([{ trace_id: traceId, evaluator: 'lonely', score: 0 }])).json).toMatchObject({
      waiting: 1,
    });
    const state = await eventually(async () => {
      const [r] = await assay.rows<{ state: string }>(
        'SELECT state FROM assay.score_inbox FINAL WHERE trace_id = {t:String}',
        { t: traceId },
      );
      return r?.state === 'orphaned' ? r.state : undefined;
    });
    expect(state).toBe('orphaned');
    expect(await metric('assay_external_scores_orphaned_total')).toBe(before + 1);
    const [n] = await assay.rows<{ n: string }>(
      'SELECT count() AS n FROM assay.llm_scores WHERE trace_id = {t:String}',
      { t: traceId },
    );
    expect(Number(n?.n)).toBe(0);
  });
});

describe('gen_ai.evaluation.result on /v1/logs', () => {
  it('stores the events a real OTel JS logs exporter sends, joined to their call by span', async () => {
    const [call] = await storeCalls([{ route: '/api/evals', provider: 'openai', model: 'gpt-4.1' }]);
    if (!call) throw new Error('call not stored');
    const provider = logsProvider('offline-evals');
    const ctx = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: call.traceId,
      spanId: call.spanId,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    const logger = provider.getLogger('deepeval-bridge');
    const rejectedBefore = await metric('assay_external_scores_rejected_total', {
      via: 'otel',
      reason: 'no_span',
    });
    logger.emit({
      eventName: 'gen_ai.evaluation.result',
      context: ctx,
      attributes: {
        'gen_ai.evaluation.name': 'answer_relevancy',
        'gen_ai.evaluation.score.value': 0.35,
        'gen_ai.evaluation.score.label': 'irrelevant',
        'gen_ai.evaluation.explanation':
          'talks about shipping, user asked about refunds; key sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX',
      },
    });
    logger.emit({
      eventName: 'gen_ai.evaluation.result',
      context: ctx,
      attributes: { 'gen_ai.evaluation.name': 'toxicity', 'gen_ai.evaluation.score.label': 'pass' },
    });
    // Neither a span to join to nor a response id: refused.
    logger.emit({
      eventName: 'gen_ai.evaluation.result',
      attributes: { 'gen_ai.evaluation.name': 'orphan', 'gen_ai.evaluation.score.value': 1 },
    });
    await provider.forceFlush();
    const rows = await eventually(async () => {
      const r = await assay.rows<Record<string, string | number>>(
        `SELECT evaluator, kind, source, score, passed, outcome, label, reason, provider, route, model
          FROM assay.llm_scores WHERE trace_id = {t:String} ORDER BY evaluator`,
        { t: call.traceId },
      );
      return r.length === 2 ? r : undefined;
    });
    await provider.shutdown();
    expect(rows[0]).toMatchObject({
      evaluator: 'answer_relevancy',
      kind: 'external',
      source: 'offline-evals',
      score: 0.35,
      passed: 0,
      outcome: 'fail',
      label: 'irrelevant',
      reason: 'talks about shipping, user asked about refunds; key [REDACTED:openai_key]',
      provider: 'openai',
      route: '/api/evals',
      model: 'gpt-4.1',
    });
    expect(rows[1]).toMatchObject({ evaluator: 'toxicity', outcome: 'pass', score: 1, label: 'pass' });
    expect(await metric('assay_external_scores_rejected_total', { via: 'otel', reason: 'no_span' })).toBe(
      rejectedBefore + 1,
    );
  });

  it('joins an event without span context to the call that answered with its gen_ai.response.id', async () => {
    const responseId = `chatcmpl-${hex(12)}`;
    const [call] = await storeCalls([
      { route: '/api/offline', provider: 'openai', model: 'gpt-4.1', responseId },
    ]);
    if (!call) throw new Error('call not stored');
    const provider = logsProvider('log-replay-evals');
    // An offline evaluator that read the provider's logs: it knows the response, not the trace.
    provider.getLogger('faithfulness').emit({
      eventName: 'gen_ai.evaluation.result',
      attributes: {
        'gen_ai.evaluation.name': 'faithfulness',
        'gen_ai.evaluation.score.value': 0.2,
        'gen_ai.response.id': responseId,
      },
    });
    await provider.forceFlush();
    await provider.shutdown();
    const rows = await eventually(async () => {
      const r = await assay.rows<Record<string, string | number>>(
        `SELECT span_id, evaluator, outcome, route FROM assay.llm_scores WHERE trace_id = {t:String}`,
        { t: call.traceId },
      );
      return r.length === 1 ? r : undefined;
    });
    expect(rows[0]).toMatchObject({
      span_id: call.spanId,
      evaluator: 'faithfulness',
      outcome: 'fail',
      route: '/api/offline',
    });
  });
});

describe('POST /v1/scores by response id', () => {
  it('files a score that names only a response id once that call is stored, and only once', async () => {
    const responseId = `msg_${hex(12)}`;
    const item = { response_id: responseId, kind: 'feedback', thumbs: 'down', comment: 'wrong refund date' };
    // Before the call: kept waiting; twice: the second is a duplicate of the first.
    expect((await postScores([item, item])).json).toMatchObject({ stored: 0, waiting: 1, duplicates: 1 });
    const [call] = await storeCalls([
      { route: '/api/refunds', provider: 'anthropic', model: 'claude-sonnet-4', responseId },
    ]);
    if (!call) throw new Error('call not stored');
    const rows = await eventually(async () => {
      const r = await assay.rows<Record<string, string | number>>(
        `SELECT span_id, evaluator, kind, label, provider FROM assay.llm_scores WHERE trace_id = {t:String}`,
        { t: call.traceId },
      );
      return r.length === 1 ? r : undefined;
    });
    expect(rows[0]).toMatchObject({
      span_id: call.spanId,
      evaluator: 'user_feedback',
      kind: 'feedback',
      label: 'thumbs_down',
      provider: 'anthropic',
    });
    // Posted again after it was filed: nothing new.
    expect((await postScores([item])).json).toMatchObject({ stored: 0, duplicates: 1 });
  });
});
