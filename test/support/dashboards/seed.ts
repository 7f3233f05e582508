import type { PipelineMetricRow } from '../../../core/metrics-snapshot.ts';
import { DROPPED_AFTER_BASELINE, metricRows } from './seed-metrics.ts';

/**
 * A small, deterministic picture of three hours of Assay data for the dashboard tests: two
 * services, two providers, three routes; one provider starts answering broken JSON on one route
 * in the last hour (still 200 OK); one alert fires for it; one older alert fired and resolved;
 * and the roles' self-metrics, including a collector that restarts half-way.
 */
export interface Seed {
  llm_calls: Record<string, unknown>[];
  llm_scores: Record<string, unknown>[];
  call_verdicts: Record<string, unknown>[];
  /** The agent's conversations judged as a whole: goal reached fails where a turn failed. */
  conversation_scores: Record<string, unknown>[];
  /** Calibration runs of the judge on its golden sets, an hour apart; confirm_refusal drifts at the last. */
  judge_calibration: Record<string, unknown>[];
  alerts: Record<string, unknown>[];
  alert_deliveries: Record<string, unknown>[];
  pipeline_metrics: PipelineMetricRow[];
  /** Numbers the dashboards must reproduce. */
  expected: { semanticFailureRate: number; httpErrorRate: number; droppedCalls: number };
}

const MIN = 60_000;
const SERVICES = ['checkout', 'support'];
const PROVIDERS: Record<string, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-haiku-4-5' };
const ROUTES = ['/api/chat', '/api/summarize', '/api/extract'];

/** The broken series of the story. */
export const BROKEN = { provider: 'openai', route: '/api/extract' };

function calibrationRows(now: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const [h, refusalKappa] of [
    [3, 0.9],
    [2, 0.9],
    [1, 0.3],
  ] as const)
    for (const [rubric, kappa] of [
      ['confirm_refusal', refusalKappa],
      ['confirm_language', 0.95],
    ] as const)
      rows.push({
        run_at: now - h * 60 * MIN + MIN,
        run_id: `run-${h}`,
        trigger: h === 3 ? 'config_change' : 'schedule',
        config_hash: 'c0ffee',
        endpoint: 'default',
        judge_model: 'gpt-4o-mini',
        rubric,
        evaluator: `judge_${rubric}`,
        rubric_version: '1+abcdef01',
        golden_set: rubric,
        golden_hash: '0123456789abcdef',
        items: 40,
        n: 40,
        failed: 0,
        raw_agreement: (kappa + 1) / 2,
        kappa,
        feedback_n: rubric === 'confirm_refusal' ? 12 : 0,
        feedback_raw_agreement: rubric === 'confirm_refusal' ? 0.75 : null,
        feedback_kappa: rubric === 'confirm_refusal' ? 0.5 : null,
        position_bias: null,
        input_tokens: 12_000,
        output_tokens: 900,
        cost_usd: 0.0024,
      });
  return rows;
}

export async function seedData(now: number): Promise<Seed> {
  const seed: Seed = {
    llm_calls: [],
    llm_scores: [],
    call_verdicts: [],
    conversation_scores: [],
    judge_calibration: calibrationRows(now),
    alerts: alertRows(now),
    alert_deliveries: deliveryRows(now),
    pipeline_metrics: await metricRows(now),
    expected: { semanticFailureRate: 0, httpErrorRate: 0, droppedCalls: DROPPED_AFTER_BASELINE },
  };
  let i = 0;
  let scored = 0;
  let failed = 0;
  let errors = 0;
  for (let m = 180; m >= 1; m -= 3) {
    for (const service of SERVICES) {
      for (const [provider, model] of Object.entries(PROVIDERS)) {
        for (const route of ROUTES) {
          const r = addCall(seed, {
            i: i++,
            ts: now - m * MIN + 7_000,
            service,
            provider,
            model,
            route,
            recent: m <= 60,
          });
          if (r.status === 'error') errors++;
          if (r.scored) scored++;
          if (r.failed) failed++;
        }
      }
    }
  }
  seed.conversation_scores = conversationRows(seed.call_verdicts);
  seed.expected.semanticFailureRate = failed / scored;
  seed.expected.httpErrorRate = errors / seed.llm_calls.length;
  return seed;
}

interface CallSpec {
  i: number;
  ts: number;
  service: string;
  provider: string;
  model: string;
  route: string;
  recent: boolean;
}

function addCall(seed: Seed, c: CallSpec): { status: string; scored: boolean; failed: boolean } {
  const status = c.i % 17 === 5 ? 'error' : 'ok';
  const broken = c.recent && c.provider === BROKEN.provider && c.route === BROKEN.route;
  const trace_id = c.i.toString(16).padStart(32, '0');
  const span_id = c.i.toString(16).padStart(16, '0');
  const sampled = c.i % 2 === 0 ? 1 : 0;
  const dims = { service: c.service, provider: c.provider, model: c.model, route: c.route };
  // An agent answers on /api/chat of the support service: tool calls, conversations of 4 calls.
  const agent = c.service === 'support' && c.route === '/api/chat' ? 'support-agent' : '';
  const conversation_id = agent ? `conv-${Math.floor(c.i / 48)}` : '';
  seed.llm_calls.push({
    timestamp: c.ts,
    trace_id,
    span_id,
    parent_span_id: '',
    ...dims,
    environment: 'prod',
    request_model: c.model,
    route_source: 'http.route',
    operation: 'chat',
    status,
    error_type: status === 'error' ? '500' : '',
    finish_reason: 'stop',
    input_tokens: 200 + (c.i % 40),
    output_tokens: 50 + (c.i % 30),
    cost_usd: 0.0001 * (1 + (c.i % 5)),
    duration_ms: 300 + (c.i % 50) * 10,
    prompt: 'Extract the customer name',
    response: broken ? 'Sure! Here is the data: {name: Ada' : '{"name": "Ada"}',
    convention: 'otel_genai',
    sampled,
    agent_name: agent,
    conversation_id,
  });
  if (!sampled || status === 'error') return { status, scored: false, failed: false };
  const judgeFails = broken || c.i % 20 === 0;
  const evals = [
    { evaluator: 'empty_response', kind: 'check', passed: 1, reason: '' },
    {
      evaluator: 'judge_relevance',
      kind: 'judge',
      passed: judgeFails ? 0 : 1,
      reason: judgeFails ? 'answer does not address the question' : '',
    },
    ...(c.route === '/api/extract'
      ? [
          {
            evaluator: 'json_valid',
            kind: 'check',
            passed: broken ? 0 : 1,
            reason: broken ? 'not valid JSON: unexpected token n' : '',
          },
        ]
      : []),
    // End-user feedback (POST /v1/scores) on every third call and on every broken one, where
    // users mostly agree with the judge: not Assay's verdict.
    ...(c.i % 3 === 0 || broken
      ? [
          {
            evaluator: 'user_feedback',
            kind: 'feedback',
            passed: broken && c.i % 7 !== 0 ? 0 : 1,
            reason: '',
          },
        ]
      : []),
    ...(agent
      ? [
          {
            evaluator: 'tool_call_valid',
            kind: 'check',
            passed: c.i % 30 === 0 ? 0 : 1,
            reason: c.i % 30 === 0 ? 'tool "get_order": /order_id must be string' : '',
            tool: 'get_order',
          },
          { evaluator: 'tool_loop', kind: 'check', passed: 1, reason: '', tool: 'get_order' },
          { evaluator: 'content_filtered', kind: 'check', passed: 1, reason: '', tool: '' },
        ]
      : []),
  ];
  for (const e of evals) {
    const judge = e.kind === 'judge';
    seed.llm_scores.push({
      timestamp: c.ts,
      trace_id,
      span_id,
      ...dims,
      agent_name: agent,
      tool: 'tool' in e ? e.tool : '',
      evaluator: e.evaluator,
      evaluator_version: '1',
      kind: e.kind,
      score: e.passed ? 0.9 : 0.1,
      passed: e.passed,
      reason: e.reason,
      judge_model: judge ? 'gpt-4o' : '',
      input_tokens: judge ? 400 : 0,
      output_tokens: judge ? 20 : 0,
      cost_usd: judge ? 0.0012 : 0,
      sample_weight: 2,
      scored_at: c.ts + (judge ? 2_500 : 800),
    });
  }
  const failedEvaluators = evals.filter((e) => !e.passed && e.kind !== 'feedback').map((e) => e.evaluator);
  seed.call_verdicts.push({
    timestamp: c.ts,
    trace_id,
    span_id,
    ...dims,
    agent_name: agent,
    conversation_id,
    status,
    failed: failedEvaluators.length ? 1 : 0,
    failed_evaluators: failedEvaluators,
    sample_weight: 2,
  });
  return { status, scored: true, failed: failedEvaluators.length > 0 };
}

function conversationRows(verdicts: Record<string, unknown>[]): Record<string, unknown>[] {
  const byConversation = new Map<string, Record<string, unknown>[]>();
  for (const v of verdicts) {
    const id = typeof v['conversation_id'] === 'string' ? v['conversation_id'] : '';
    if (id) byConversation.set(id, [...(byConversation.get(id) ?? []), v]);
  }
  return [...byConversation].flatMap(([conversation_id, turns]) => {
    const last = turns.at(-1) ?? {};
    const failed = turns.some((t) => t['failed'] === 1);
    const row = {
      timestamp: last['timestamp'],
      started_at: turns[0]?.['timestamp'],
      service: last['service'],
      conversation_id,
      provider: last['provider'],
      model: last['model'],
      route: last['route'],
      agent_name: last['agent_name'],
      trace_id: last['trace_id'],
      trace_ids: turns.map((t) => t['trace_id']),
      turns: turns.length,
      truncated: 0,
      judge_model: 'gpt-4o',
      input_tokens: 2000,
      output_tokens: 30,
      cost_usd: 0.0005,
      sample_weight: 2,
      scored_at: Number(last['timestamp']) + 300_000,
    };
    return [
      {
        ...row,
        evaluator: 'conversation_goal_reached',
        evaluator_version: '1+seed',
        score: failed ? 0.2 : 0.9,
        passed: failed ? 0 : 1,
        outcome: failed ? 'fail' : 'pass',
        reason: failed ? 'the user left without an answer' : '',
      },
      {
        ...row,
        evaluator: 'conversation_user_frustration',
        evaluator_version: '1+seed',
        score: 0.8,
        passed: 1,
        outcome: 'pass',
        reason: '',
      },
    ];
  });
}

function alertRows(now: number): Record<string, unknown>[] {
  const base = {
    severity: 'page',
    metric: 'pass_rate',
    service: 'checkout',
    model: '',
    value: 0.9,
    baseline: 0.02,
    p_value: 1e-9,
    sample_size: 20,
    baseline_size: 400,
    labels: {},
    annotations: {},
  };
  const firing = {
    ...base,
    fingerprint: 'fp-extract',
    rule: 'json_valid_drop',
    ...BROKEN,
    evaluator: 'json_valid',
    summary: 'json_valid pass rate fell from 98% to 10% on openai /api/extract',
  };
  const old = {
    ...base,
    fingerprint: 'fp-chat',
    rule: 'judge_drop',
    provider: 'anthropic',
    route: '/api/chat',
    evaluator: 'judge_relevance',
    summary: 'judge_relevance dropped on anthropic /api/chat',
  };
  return [
    { ...firing, timestamp: now - 55 * MIN, state: 'pending' },
    { ...firing, timestamp: now - 50 * MIN, state: 'firing' },
    { ...firing, timestamp: now - 20 * MIN, state: 'reminder' },
    { ...old, timestamp: now - 150 * MIN, state: 'firing' },
    { ...old, timestamp: now - 120 * MIN, state: 'resolved', value: 0.05 },
  ];
}

function deliveryRows(now: number): Record<string, unknown>[] {
  const row = (
    min: number,
    channel: string,
    type: string,
    state: string,
    outcome: string,
    http: number,
    fp: string,
  ) => ({
    timestamp: now - min * MIN,
    fingerprint: fp,
    channel,
    channel_type: type,
    state,
    attempt: 1,
    outcome,
    http_status: http,
    error: outcome === 'delivered' ? '' : `HTTP ${http}`,
  });
  return [
    row(50, 'oncall', 'generic', 'firing', 'delivered', 200, 'fp-extract'),
    row(50, 'slack', 'slack', 'firing', 'failed', 500, 'fp-extract'),
    row(150, 'oncall', 'generic', 'firing', 'delivered', 200, 'fp-chat'),
    row(120, 'oncall', 'generic', 'resolved', 'delivered', 200, 'fp-chat'),
  ];
}
