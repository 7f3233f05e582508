/**
 * Conversation-level judging against the real things: the embedded ClickHouse engine (llm_calls,
 * conversation_scores and its rollup), a real Redis (leader lock, judge cache, spend ledger) and
 * a local OpenAI-compatible server as the judge. Calls are stored as the collector stores them;
 * the closer's clock is injected, so "idle for 1 s" needs no sleeping.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleConfigSchema } from '../alerts/config.ts';
import { readSeries } from '../alerts/series/series.ts';
import { parseConfig } from '../cli/config.ts';
import { redactionConfigSchema } from '../collector/config.ts';
import { createRedactor } from '../collector/normalise/redaction.ts';
import { silentLogger } from '../core/logger.ts';
import type { LlmCall } from '../core/llm-call.ts';
import {
  createConversationJudge,
  startConversationCloser,
  type ConversationCloser,
} from '../evaluators/conversations/index.ts';
import {
  createJudgeRunner,
  createMemorySpendLedger,
  createRedisJudgeCache,
  createRedisSpendLedger,
  type SpendLedger,
} from '../evaluators/judges/index.ts';
import { createRelatedLoader } from '../evaluators/worker/related-loader.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { startEmbeddedClickhouse, type EmbeddedClickhouse } from '../storage/embedded/index.ts';
import { migrate } from '../storage/migrate.ts';
import { insertCalls, makeCall } from './fixtures/eval-calls.ts';
import { startFakeOpenAi, type FakeOpenAi } from './helpers/fake-openai.ts';
import { startTestRedis } from './helpers/redis.ts';

const DB = 'assay_conversations';
const PREFIX = 'conv-test';
const T = Date.now();
const S = 1000;
const dir = mkdtempSync(join(tmpdir(), 'assay-conversations-'));
const stops: Array<() => Promise<unknown>> = [];
let server: EmbeddedClickhouse;
let client: ClickHouseClient;
let redis: Redis;
let judgeApi: FakeOpenAi;

/** The judge's user message (criterion and transcript) of each request. */
const judged = (): string[] =>
  judgeApi.requests.map((r) => {
    const messages = r.body['messages'] as Array<{ role: string; content: string }>;
    return messages.find((m) => m.role === 'user')?.content ?? '';
  });

/** A conversation's turns as stored calls: each prompt resends the history, as chat APIs do. */
function conversation(
  id: string,
  turns: Array<[user: string, answer: string]>,
  opts: { start: number; agent?: string; sampled?: 0 | 1; route?: string },
): LlmCall[] {
  let history = 'system: You are the support agent of an online shop.';
  return turns.map(([user, answer], i) => {
    history += `\n\nuser: ${user}`;
    const call: LlmCall = {
      ...makeCall(i, `${id}-${i}`, opts.start + i * S),
      timestamp: opts.start + i * S,
      provider: 'openai',
      model: 'gpt-4o-mini',
      route: opts.route ?? '/api/support',
      prompt: history,
      response: answer,
      finish_reason: 'stop',
      sampled: opts.sampled ?? 1,
      conversation_id: id,
      agent_name: opts.agent ?? 'support-bot',
    };
    history += `\n\nassistant: ${answer}`;
    return call;
  });
}

const REFUND: Array<[string, string]> = [
  [
    'Hi, my order 1234 arrived broken. My email is jane.doe@example.com.',
    'Sorry to hear that! Let me check order 1234.',
  ],
  ['Can I get a refund?', 'Yes, I have issued a full refund for order 1234.'],
  ['Thanks, that is all.', 'You are welcome! The refund arrives in 5 business days.'],
];
const STUCK: Array<[string, string]> = [
  ['My account is locked.', 'Please reset your password from the login page.'],
  ['I did, it is still locked.', 'Please reset your password from the login page.'],
  ['This is useless. Still locked, I give up.', 'I am unable to help with that.'],
];

const LONG: [string, string] = [
  'What are my options?',
  `Options: ${'you may choose between a refund, a replacement or store credit. '.repeat(40)}`,
];

function closer(
  over: { now?: number; maxTokens?: number; spend?: SpendLedger; maxTokensPerHour?: number } = {},
): ConversationCloser {
  const config = parseConfig({
    worker: {
      conversations: {
        idle_timeout: '1s',
        interval: '1h',
        rubrics: ['goal_reached', 'user_frustration'],
        max_transcript_tokens: over.maxTokens ?? 6000,
      },
    },
    judges: {
      budget: { max_tokens_per_hour: over.maxTokensPerHour },
      endpoints: [
        {
          base_url: judgeApi.baseURL,
          model: 'judge-mini',
          api_key_env: 'CONV_JUDGE_KEY',
          max_retries: 0,
          price: { input_per_mtok: 1, output_per_mtok: 2 },
        },
      ],
    },
  });
  const redact = createRedactor(redactionConfigSchema.parse({}));
  const runner = createJudgeRunner(config.judges, {
    logger: silentLogger,
    spend: over.spend ?? createRedisSpendLedger(redis, PREFIX),
    cache: createRedisJudgeCache(redis, PREFIX),
    redact,
    env: { CONV_JUDGE_KEY: 'sk-test' },
  });
  stops.push(() => runner.shutdown());
  const judge = createConversationJudge(runner, { redact });
  const c = startConversationCloser({
    config: config.worker.conversations,
    clickhouse: client,
    database: DB,
    redis,
    prefix: PREFIX,
    judge,
    logger: silentLogger,
    now: () => over.now ?? T,
  });
  stops.push(() => c.shutdown());
  return c;
}

interface ScoreRow {
  conversation_id: string;
  evaluator: string;
  outcome: string;
  agent_name: string;
  route: string;
  turns: number;
  truncated: number;
  trace_id: string;
  trace_ids: string[];
  reason: string;
}

async function scores(): Promise<ScoreRow[]> {
  const rs = await client.query({
    query: `SELECT conversation_id, evaluator, outcome, agent_name, route, turns, truncated, trace_id, trace_ids, reason
            FROM ${DB}.conversation_scores ORDER BY conversation_id, evaluator`,
    format: 'JSONEachRow',
  });
  return rs.json<ScoreRow>();
}

const calls = {
  refund: conversation('conv-refund', REFUND, { start: T - 20 * S }),
  stuck: conversation('conv-stuck', STUCK, {
    start: T - 15 * S,
    agent: 'account-bot',
    route: '/api/account',
  }),
  // Still going: its last call is 0.5 s old at T. Its long middle turn is over a 200-token budget.
  live: conversation('conv-live', [REFUND[0] ?? ['', ''], LONG, ...STUCK], { start: T - 4.5 * S }),
  // Not sampled: never judged.
  unsampled: conversation('conv-unsampled', STUCK, { start: T - 20 * S, sampled: 0 }),
};

beforeAll(async () => {
  const r = await startTestRedis();
  stops.push(() => r.shutdown());
  redis = new Redis(r.url);
  stops.push(async () => redis.disconnect());
  judgeApi = await startFakeOpenAi((body) => {
    const user = (body['messages'] as Array<{ role: string; content: string }>)[1]?.content ?? '';
    const bad = user.includes('I give up');
    return {
      content: JSON.stringify({
        score: bad ? 0.1 : 0.95,
        verdict: bad ? 'fail' : 'pass',
        reasoning: bad ? 'The user left with the account still locked.' : 'The user got the refund.',
      }),
      prompt_tokens: 300,
      completion_tokens: 20,
    };
  });
  stops.push(() => judgeApi.close());
  server = await startEmbeddedClickhouse({
    dataDir: join(dir, 'ch'),
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });
  stops.push(() => server.shutdown());
  client = createClickhouseClient({ ...parseConfig({}).clickhouse, ...server.admin }, server.url);
  stops.push(() => client.close());
  await migrate(client, { database: DB, ttlDays: 30, logger: silentLogger });
  await insertCalls(client, DB, Object.values(calls).flat());
}, 60_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('conversation-level judging', () => {
  it('judges each closed, sampled conversation once as a whole, with its transcript redacted', async () => {
    const first = closer();
    expect(await first.runOnce()).toEqual({ leader: true, found: 2, judged: 2, later: 0 });
    const rows = await scores();
    expect(rows.map((r) => [r.conversation_id, r.evaluator, r.outcome])).toEqual([
      ['conv-refund', 'conversation_goal_reached', 'pass'],
      ['conv-refund', 'conversation_user_frustration', 'pass'],
      ['conv-stuck', 'conversation_goal_reached', 'fail'],
      ['conv-stuck', 'conversation_user_frustration', 'fail'],
    ]);
    const stuck = rows.find((r) => r.conversation_id === 'conv-stuck');
    expect(stuck).toMatchObject({ agent_name: 'account-bot', route: '/api/account', turns: 3, truncated: 0 });
    expect(stuck?.reason).toBe('The user left with the account still locked.');
    // The trace ids to open: every call's, the last one first in line.
    expect(stuck?.trace_ids).toEqual(calls.stuck.map((c) => c.trace_id));
    expect(stuck?.trace_id).toBe(calls.stuck.at(-1)?.trace_id);

    // One judge request per (conversation, rubric); the whole conversation in each, every turn once.
    const prompts = judged();
    expect(prompts).toHaveLength(4);
    const refund =
      prompts.find((p) => p.includes('order 1234') && p.includes('Criterion: goal reached')) ?? '';
    const once = (text: string): number => refund.split(text).length - 1;
    expect(once('user: Hi, my order 1234 arrived broken.')).toBe(1);
    for (const [user] of REFUND.slice(1)) expect(once(`user: ${user}`)).toBe(1);
    for (const [, answer] of REFUND) expect(once(`assistant: ${answer}`)).toBe(1);
    expect(refund.indexOf('Can I get a refund?')).toBeLessThan(refund.indexOf('Thanks, that is all.'));
    expect(prompts.join('\n')).not.toContain('jane.doe@example.com');
  });

  it('judges nothing again: a second pass, and a restarted closer, find nothing to do', async () => {
    const before = judgeApi.requests.length;
    // The first test's closer still holds the leader lock; stop it as a restart would.
    for (const stop of stops.splice(-1)) await stop();
    const restarted = closer();
    expect(await restarted.runOnce()).toEqual({ leader: true, found: 0, judged: 0, later: 0 });
    expect(judgeApi.requests.length).toBe(before);
    expect((await scores()).length).toBe(4);
  });

  it('closes a conversation once it has been idle long enough, and cuts a long transcript from the middle', async () => {
    for (const stop of stops.splice(-1)) await stop();
    const later = closer({ now: T + 2 * S, maxTokens: 200 });
    expect(await later.runOnce()).toMatchObject({ found: 1, judged: 1 });
    const live = (await scores()).filter((r) => r.conversation_id === 'conv-live');
    expect(live.map((r) => [r.outcome, r.turns, r.truncated])).toEqual([
      ['fail', 5, 1],
      ['fail', 5, 1],
    ]);
    const prompt = judged().at(-1) ?? '';
    expect(prompt).toMatch(/\[… \d+ tokens of the conversation left out …\]/);
    // The opening (what the user came for) and the ending (how it went) are kept.
    expect(prompt).toContain('my order 1234 arrived broken');
    expect(prompt).toContain('I am unable to help with that.');
    expect(prompt.split('store credit').length - 1).toBeLessThan(20);
    expect((await scores()).some((r) => r.conversation_id === 'conv-unsampled')).toBe(false);
  });

  it('feeds an alert series per provider, route and agent that shows the failing conversations', async () => {
    const rule = ruleConfigSchema.parse({
      name: 'conversation_goal',
      metric: 'conversation_pass_rate',
      evaluator: 'conversation_goal_reached',
      by: ['provider', 'route', 'agent_name'],
    });
    const series = await readSeries(client, DB, rule, T + 2 * S);
    const byAgent = Object.fromEntries(
      series.map((s) => [`${s.labels.route} ${s.labels.agent_name}`, s.current]),
    );
    expect(byAgent).toEqual({
      '/api/support support-bot': { kind: 'proportion', n: 2, k: 1 },
      '/api/account account-bot': { kind: 'proportion', n: 1, k: 1 },
    });
  });

  it('leaves closed conversations for a later run while the judge spend cap is reached', async () => {
    await insertCalls(client, DB, conversation('conv-capped', REFUND.slice(0, 2), { start: T - 10 * S }));
    for (const stop of stops.splice(-1)) await stop();
    const spent = createMemorySpendLedger();
    await spent.add('default', 1000, 0);
    const before = judgeApi.requests.length;
    const capped = closer({ now: T + 2 * S, spend: spent, maxTokensPerHour: 1000 });
    expect(await capped.runOnce()).toEqual({ leader: true, found: 1, judged: 0, later: 1 });
    expect(judgeApi.requests.length).toBe(before);
    expect((await scores()).some((r) => r.conversation_id === 'conv-capped')).toBe(false);
    for (const stop of stops.splice(-1)) await stop();
    // The next hour (a fresh ledger): judged.
    const next = closer({ now: T + 2 * S, spend: createMemorySpendLedger(), maxTokensPerHour: 1000 });
    expect(await next.runOnce()).toMatchObject({ found: 1, judged: 1, later: 0 });
    expect((await scores()).filter((r) => r.conversation_id === 'conv-capped')).toHaveLength(2);
  });

  it("gives tool_loop a conversation's other calls, read by (service, conversation id)", async () => {
    // The worker's related-call loader, on the same stored calls (it once sent the pairs as
    // nested arrays, which ClickHouse rejects as Array(Tuple): every agent call in a conversation
    // then failed its job).
    const loader = createRelatedLoader({ client, database: DB, windowMs: 1, maxBatch: 10 });
    const last = calls.stuck.at(-1);
    const r = await loader.load(
      { trace_id: last?.trace_id ?? '', timestamp: last?.timestamp ?? T, service: 'shop' },
      { conversation_id: 'conv-stuck' },
    );
    expect(r.conversation.map((c) => c.span_id)).toEqual(calls.stuck.map((c) => c.span_id));
    expect(r.trace.map((c) => c.span_id)).toEqual([last?.span_id]);
  });
});
