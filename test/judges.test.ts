import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redactionConfigSchema } from '../collector/config.ts';
import { createRedactor } from '../collector/normalise/redaction.ts';
import { silentLogger } from '../core/logger.ts';
import { registry } from '../core/metrics.ts';
import type { RedisProcess } from '../core/redis-process.ts';
import {
  createJudgeRunner,
  createMemoryJudgeCache,
  createMemorySpendLedger,
  createRedisJudgeCache,
  createRedisSpendLedger,
  judgesConfigSchema,
  JudgeSetupError,
  type JudgeInput,
  type JudgeScore,
  type JudgesConfigInput,
  type SpendLedger,
} from '../evaluators/judges/index.ts';
import { startTestRedis } from './helpers/redis.ts';

/** What the scripted judge endpoint does with request number `n` (0-based). */
interface Reply {
  status?: number;
  headers?: Record<string, string>;
  content?: string | null;
  refusal?: string;
  delayMs?: number;
  usage?: { prompt_tokens: number; completion_tokens: number };
}
type Script = (body: Record<string, unknown>, n: number) => Reply;

const GOOD = JSON.stringify({ score: 0.9, verdict: 'pass', reasoning: 'The answer addresses the question.' });
const good: Script = () => ({ content: GOOD });

/** A local OpenAI-compatible judge endpoint whose replies each test scripts. */
const judgeServer = {
  script: good,
  requests: [] as Array<{ body: Record<string, unknown>; headers: IncomingHttpHeaders }>,
  server: undefined as Server | undefined,
  baseURL: '',
};

async function startJudgeServer(): Promise<void> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
      const n = judgeServer.requests.length;
      judgeServer.requests.push({ body, headers: req.headers });
      const r = judgeServer.script(body, n);
      const send = (): void => {
        if (res.destroyed) return;
        const status = r.status ?? 200;
        res.writeHead(status, { 'content-type': 'application/json', ...r.headers });
        if (status !== 200)
          return void res.end(JSON.stringify({ error: { message: `status ${status}`, type: 'test' } }));
        const usage = r.usage ?? { prompt_tokens: 40, completion_tokens: 10 };
        const message = { role: 'assistant', content: r.content ?? null, refusal: r.refusal ?? null };
        res.end(
          JSON.stringify({
            id: `chatcmpl-${n}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: body['model'],
            choices: [{ index: 0, message, finish_reason: 'stop' }],
            usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
          }),
        );
      };
      if (r.delayMs) setTimeout(send, r.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  judgeServer.server = server;
  judgeServer.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

const redact = createRedactor(redactionConfigSchema.parse({}));
const env = { JUDGE_KEY: 'sk-test-judge' };

/** The judges' clock: real time plus whatever a test advanced it by (no real sleeps). */
let skew = 0;
const clock = (): number => Date.now() + skew;

function runner(
  over: Partial<JudgesConfigInput> = {},
  endpoint: Record<string, unknown> = {},
  spend?: SpendLedger,
) {
  const config = judgesConfigSchema.parse({
    endpoints: [
      {
        base_url: judgeServer.baseURL,
        model: 'judge-mini',
        api_key_env: 'JUDGE_KEY',
        timeout: '5s',
        max_retries: 0,
        price: { input_per_mtok: 1000, output_per_mtok: 2000 },
        ...endpoint,
      },
    ],
    ...over,
  });
  const ledger = spend ?? createMemorySpendLedger();
  const r = createJudgeRunner(config, {
    logger: silentLogger,
    spend: ledger,
    cache: createMemoryJudgeCache(),
    redact,
    env,
    now: clock,
  });
  return { r, ledger };
}

let seq = 0;
/** A distinct call each time (a different answer), so the cache never answers for another test. */
function call(over: Partial<JudgeInput> = {}): JudgeInput {
  seq++;
  return {
    trace_id: seq.toString(16).padStart(32, '0'),
    span_id: seq.toString(16).padStart(16, '0'),
    service: 'shop',
    provider: 'openai',
    route: '/api/chat',
    model: 'gpt-4o',
    prompt: 'system: You are a support agent.\n\nuser: How long do refunds take?',
    response: `Refunds take 5-7 business days (reply ${seq}).`,
    ...over,
  };
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

beforeAll(startJudgeServer);
afterAll(async () => {
  judgeServer.server?.closeAllConnections();
  await new Promise((r) => judgeServer.server?.close(r));
});
beforeEach(() => {
  judgeServer.script = good;
  judgeServer.requests = [];
});

describe('judges against an OpenAI-compatible endpoint', () => {
  it('scores a good reply: tokens, cost, structured output, API key from the env; the same input is never judged twice', async () => {
    const { r, ledger } = runner();
    const input = call();
    const [first] = await r.run(input, ['judge_relevance']);
    expect(first).toMatchObject({
      kind: 'scored',
      cached: false,
      score: {
        evaluator: 'judge_relevance',
        score: 0.9,
        passed: true,
        reason: 'The answer addresses the question.',
        judge_model: 'judge-mini',
        input_tokens: 40,
        output_tokens: 10,
      },
    });
    expect((first as { score: JudgeScore }).score.cost_usd).toBeCloseTo(0.06, 10);
    expect((first as { score: JudgeScore }).score.version).toMatch(/^1\+[0-9a-f]{8}$/);
    const req = judgeServer.requests[0];
    expect(req?.headers.authorization).toBe('Bearer sk-test-judge');
    expect(req?.body['response_format']).toMatchObject({ type: 'json_schema' });
    expect(JSON.stringify(req?.body['messages'])).toContain('How long do refunds take?');
    expect(await ledger.spentThisHour('default')).toEqual({ tokens: 50, usd: expect.closeTo(0.06, 10) });

    const [again] = await r.run({ ...input, trace_id: 'f'.repeat(32) }, ['judge_relevance']);
    expect(again).toMatchObject({
      kind: 'scored',
      cached: true,
      score: { score: 0.9, cost_usd: 0, input_tokens: 0 },
    });
    expect(judgeServer.requests).toHaveLength(1);
    await r.shutdown();
  });

  it('redacts what is sent to the judge', async () => {
    const { r } = runner();
    await r.run(call({ response: 'Write to jane.doe@example.com with card 4111 1111 1111 1111.' }), [
      'judge_relevance',
    ]);
    const sent = JSON.stringify(judgeServer.requests[0]?.body['messages']);
    expect(sent).not.toContain('jane.doe@example.com');
    expect(sent).not.toContain('4111 1111 1111 1111');
    expect(sent).toContain('[REDACTED:email]');
  });

  it('a malformed reply is repaired once', async () => {
    judgeServer.script = (_b, n) => ({ content: n === 0 ? 'Looks fine to me, 4 out of 5.' : GOOD });
    const { r } = runner();
    const [o] = await r.run(call(), ['judge_helpfulness']);
    expect(o).toMatchObject({
      kind: 'scored',
      score: { evaluator: 'judge_helpfulness', input_tokens: 80, output_tokens: 20 },
    });
    expect(judgeServer.requests).toHaveLength(2);
    const repair = JSON.stringify(judgeServer.requests[1]?.body['messages']);
    expect(repair).toContain('Looks fine to me, 4 out of 5.');
    expect(repair).toContain('no JSON object');
  });

  it('always malformed → a judge failure, no score, nothing cached; the tokens are still paid for', async () => {
    judgeServer.script = () => ({ content: '{"score": "high", "verdict": "pass"}' });
    const { r, ledger } = runner();
    const before = await metric('assay_judge_failures_total', {
      evaluator: 'judge_relevance',
      reason: 'malformed_output',
    });
    const input = call();
    expect(await r.run(input, ['judge_relevance'])).toEqual([
      { kind: 'failed', evaluator: 'judge_relevance', reason: 'malformed_output' },
    ]);
    expect(judgeServer.requests).toHaveLength(2);
    expect((await ledger.spentThisHour('default')).tokens).toBe(100);
    expect(
      await metric('assay_judge_failures_total', {
        evaluator: 'judge_relevance',
        reason: 'malformed_output',
      }),
    ).toBe(before + 1);
    await r.run(input, ['judge_relevance']);
    expect(judgeServer.requests).toHaveLength(4);
  });

  it('a refusal by the judge is a failure, not a score', async () => {
    judgeServer.script = () => ({ content: null, refusal: 'I cannot help with that.' });
    const { r } = runner();
    expect(await r.run(call(), ['judge_relevance'])).toEqual([
      { kind: 'failed', evaluator: 'judge_relevance', reason: 'refused' },
    ]);
  });

  it('a slow endpoint times out → failed: timeout', async () => {
    judgeServer.script = () => ({ content: GOOD, delayMs: 2000 });
    const { r } = runner({}, { timeout: '200ms' });
    expect(await r.run(call(), ['judge_relevance'])).toEqual([
      { kind: 'failed', evaluator: 'judge_relevance', reason: 'timeout' },
    ]);
  });

  it('429 with Retry-After is retried after the wait; a long Retry-After defers the job instead', async () => {
    judgeServer.script = (_b, n) =>
      n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { content: GOOD };
    const { r } = runner({}, { max_retries: 2 });
    expect(await r.run(call(), ['judge_relevance'])).toMatchObject([{ kind: 'scored' }]);
    expect(judgeServer.requests).toHaveLength(2);

    judgeServer.script = () => ({ status: 429, headers: { 'retry-after': '120' } });
    judgeServer.requests = [];
    expect(await r.run(call(), ['judge_relevance'])).toEqual([
      { kind: 'deferred', evaluator: 'judge_relevance', reason: 'rate_limited', retryAfterMs: 120_000 },
    ]);
    expect(judgeServer.requests).toHaveLength(1);
  });

  it('500s open the breaker: calls are deferred without reaching the server; after open_for a probe closes it', async () => {
    judgeServer.script = () => ({ status: 500 });
    const { r } = runner({}, { name: 'flaky', breaker: { failure_threshold: 2, open_for: '400ms' } });
    // A 5xx is the endpoint's trouble, not the call's: the judgement is deferred, not given up.
    expect(await r.run(call(), ['judge_relevance'])).toEqual([
      { kind: 'deferred', evaluator: 'judge_relevance', reason: 'unavailable', retryAfterMs: 5000 },
    ]);
    // The failure that opens the breaker defers its own job too: it comes back when the endpoint does.
    expect(await r.run(call(), ['judge_relevance'])).toMatchObject([
      { kind: 'deferred', reason: 'circuit_open' },
    ]);
    expect(await metric('assay_judge_breaker_state', { endpoint: 'flaky' })).toBe(2);
    const [deferred] = await r.run(call(), ['judge_relevance', 'judge_helpfulness']);
    expect(deferred).toMatchObject({ kind: 'deferred', reason: 'circuit_open' });
    expect((deferred as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    expect(judgeServer.requests).toHaveLength(2);

    judgeServer.script = good;
    skew += 450; // past open_for (400 ms) on the breaker's clock
    expect(await r.run(call(), ['judge_relevance'])).toMatchObject([{ kind: 'scored' }]);
    expect(await metric('assay_judge_breaker_state', { endpoint: 'flaky' })).toBe(0);
    expect(await r.run(call(), ['judge_relevance'])).toMatchObject([{ kind: 'scored' }]);
    expect(judgeServer.requests).toHaveLength(4);
  });

  it('sustained 429s open the breaker for at least their Retry-After', async () => {
    judgeServer.script = () => ({ status: 429, headers: { 'retry-after': '2' } });
    const { r } = runner({}, { name: 'throttled', breaker: { failure_threshold: 3, open_for: '500ms' } });
    for (let i = 0; i < 3; i++)
      expect(await r.run(call(), ['judge_relevance'])).toMatchObject([{ kind: 'deferred' }]);
    expect(await metric('assay_judge_breaker_state', { endpoint: 'throttled' })).toBe(2);
    const [held] = await r.run(call(), ['judge_relevance']);
    expect(held).toMatchObject({ kind: 'deferred', reason: 'circuit_open' });
    // Held open by the Retry-After (2 s), not only open_for (500 ms).
    expect((held as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(1000);
    expect(judgeServer.requests).toHaveLength(3);
  });

  it('many timeouts leave no abort listeners behind (no MaxListenersExceededWarning)', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      judgeServer.script = () => ({ content: GOOD, delayMs: 1000 });
      const { r } = runner(
        {},
        {
          timeout: '30ms',
          concurrency: 8,
          rate_limit_per_minute: 1_000_000,
          breaker: { failure_threshold: 1000 },
        },
      );
      for (let round = 0; round < 5; round++)
        await Promise.all(Array.from({ length: 8 }, () => r.run(call(), ['judge_relevance'])));
      await new Promise((res) => setTimeout(res, 50));
      expect(judgeServer.requests.length).toBeGreaterThanOrEqual(20);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('the spend cap holds: after it, no more requests reach the server', async () => {
    const { r } = runner({ budget: { max_tokens_per_hour: 100 } });
    expect(await r.run(call(), ['judge_relevance'])).toMatchObject([{ kind: 'scored' }]);
    expect(await r.run(call(), ['judge_relevance'])).toMatchObject([{ kind: 'scored' }]);
    for (let i = 0; i < 3; i++)
      expect(await r.run(call(), ['judge_relevance'])).toEqual([
        { kind: 'skipped', evaluator: 'judge_relevance', reason: 'spend_cap' },
      ]);
    expect(judgeServer.requests).toHaveLength(2);
  });

  it('the USD cap holds too (price × usage)', async () => {
    const { r } = runner({ budget: { max_usd_per_hour: 0.1 } }); // 0.06 USD per judgement
    await r.run(call(), ['judge_relevance']);
    await r.run(call(), ['judge_relevance']);
    expect(await r.run(call(), ['judge_relevance'])).toMatchObject([
      { kind: 'skipped', reason: 'spend_cap' },
    ]);
    expect(judgeServer.requests).toHaveLength(2);
  });

  it('over the concurrency limit a judgement is deferred after a bounded wait', async () => {
    judgeServer.script = () => ({ content: GOOD, delayMs: 500 });
    const { r } = runner({}, { concurrency: 1, max_wait: '50ms' });
    const outcomes = await Promise.all([
      r.run(call(), ['judge_relevance']),
      r.run(call(), ['judge_relevance']),
    ]);
    expect(outcomes.map((o) => o[0]?.kind).sort()).toEqual(['deferred', 'scored']);
    expect(outcomes.flat().find((o) => o.kind === 'deferred')).toMatchObject({ reason: 'concurrency' });
    expect(judgeServer.requests).toHaveLength(1);
  });

  it('over the rate limit a judgement is deferred for the time to the next token', async () => {
    const { r } = runner({}, { concurrency: 1, rate_limit_per_minute: 1, max_wait: '1s' });
    expect(await r.run(call(), ['judge_relevance'])).toMatchObject([{ kind: 'scored' }]);
    const [o] = await r.run(call(), ['judge_relevance']);
    expect(o).toMatchObject({ kind: 'deferred', reason: 'rate_limited' });
    expect((o as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(55_000);
    expect(judgeServer.requests).toHaveLength(1);
  });

  it('rubrics that need a reference or context are skipped without one, and judged with one', async () => {
    const { r } = runner({
      rules: [
        {
          match: { route: '/api/refunds' },
          rubrics: ['correctness'],
          reference: 'Refunds take 5-7 business days.',
        },
      ],
    });
    expect(await r.run(call(), ['judge_correctness', 'judge_groundedness'])).toEqual([
      { kind: 'skipped', evaluator: 'judge_correctness', reason: 'not_applicable' },
      { kind: 'scored', cached: false, score: expect.objectContaining({ evaluator: 'judge_groundedness' }) },
    ]);
    expect(JSON.stringify(judgeServer.requests[0]?.body['messages'])).toContain('You are a support agent.');
    expect(
      await r.run(call({ prompt: 'user: How long do refunds take?' }), ['judge_groundedness']),
    ).toMatchObject([{ kind: 'skipped', reason: 'not_applicable' }]);
    expect(await r.run(call({ route: '/api/refunds' }), ['judge_correctness'])).toMatchObject([
      { kind: 'scored' },
    ]);
    expect(JSON.stringify(judgeServer.requests.at(-1)?.body['messages'])).toContain(
      'Refunds take 5-7 business days.',
    );
    expect(await r.run(call(), ['judge_nonexistent'])).toMatchObject([
      { kind: 'skipped', reason: 'not_applicable' },
    ]);
  });

  it('custom rubrics from the config, with their pass threshold; a 1–5 reply is mapped', async () => {
    judgeServer.script = () => ({ content: '{"score": 3, "verdict": "fail", "reasoning": "Curt."}' });
    const { r } = runner({
      rubrics: [{ id: 'polite', prompt: 'Is the answer polite to the customer?', pass_threshold: 0.6 }],
    });
    expect(await r.run(call(), ['judge_polite'])).toMatchObject([
      { kind: 'scored', score: { evaluator: 'judge_polite', score: 0.5, passed: false, reason: 'Curt.' } },
    ]);
    expect(JSON.stringify(judgeServer.requests[0]?.body['messages'])).toContain(
      'Is the answer polite to the customer?',
    );
  });

  it('without structured outputs the judge is told to answer plain JSON', async () => {
    judgeServer.script = () => ({ content: '```json\n' + GOOD + '\n```' });
    const { r } = runner({}, { structured_output: false });
    expect(await r.run(call(), ['judge_relevance'])).toMatchObject([{ kind: 'scored' }]);
    const body = judgeServer.requests[0]?.body;
    expect(body?.['response_format']).toBeUndefined();
    expect(JSON.stringify(body?.['messages'])).toContain('Respond with only the JSON object');
  });

  it('a missing API key variable is a clear error at start', () => {
    const config = judgesConfigSchema.parse({ endpoints: [{ api_key_env: 'NO_SUCH_JUDGE_KEY' }] });
    const deps = {
      logger: silentLogger,
      spend: createMemorySpendLedger(),
      cache: createMemoryJudgeCache(),
      redact,
      env: {},
    };
    expect(() => createJudgeRunner(config, deps)).toThrow(JudgeSetupError);
    expect(() => createJudgeRunner(config, deps)).toThrow(/NO_SUCH_JUDGE_KEY/);
  });

  it('shutdown aborts a request in flight (the job is deferred, not lost) and is idempotent', async () => {
    judgeServer.script = () => ({ content: GOOD, delayMs: 3000 });
    const { r } = runner();
    const pending = r.run(call(), ['judge_relevance']);
    await new Promise((res) => setTimeout(res, 100));
    await Promise.all([r.shutdown(), r.shutdown()]);
    expect(await pending).toMatchObject([{ kind: 'deferred', reason: 'concurrency' }]);
    expect(await r.run(call(), ['judge_relevance'])).toMatchObject([{ kind: 'deferred' }]);
  });
});

describe('Redis spend ledger and judge cache', () => {
  let redisServer: RedisProcess;
  let redis: Redis;
  beforeAll(async () => {
    redisServer = await startTestRedis();
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: 3 });
  });
  afterAll(async () => {
    await redis.quit();
    await redisServer.shutdown();
  });

  it('spend is shared between workers per hour, with an expiry; the cap holds across them', async () => {
    let t = 3_600_000 * 500 + 10;
    const a = createRedisSpendLedger(redis, 'tj', () => t);
    const b = createRedisSpendLedger(redis, 'tj', () => t);
    await a.add('default', 50, 0.06);
    await b.add('default', 50, 0.06);
    expect(await a.spentThisHour('default')).toEqual({ tokens: 100, usd: expect.closeTo(0.12, 10) });
    const ttl = await redis.pttl('tj:judge-spend:default:500:tokens');
    expect(ttl).toBeGreaterThan(3_600_000);
    t += 3_600_000;
    expect(await b.spentThisHour('default')).toEqual({ tokens: 0, usd: 0 });

    judgeServer.requests = [];
    const shared = createRedisSpendLedger(redis, 'tj-cap');
    const w1 = runner({ budget: { max_tokens_per_hour: 100 } }, {}, shared).r;
    const w2 = runner({ budget: { max_tokens_per_hour: 100 } }, {}, shared).r;
    await w1.run(call(), ['judge_relevance']);
    await w2.run(call(), ['judge_relevance']);
    expect(await w1.run(call(), ['judge_relevance'])).toMatchObject([
      { kind: 'skipped', reason: 'spend_cap' },
    ]);
    expect(await w2.run(call(), ['judge_relevance'])).toMatchObject([
      { kind: 'skipped', reason: 'spend_cap' },
    ]);
    expect(judgeServer.requests).toHaveLength(2);
  });

  it('the cache round-trips a score with a TTL and treats unreadable entries as misses', async () => {
    const cache = createRedisJudgeCache(redis, 'tj');
    const score: JudgeScore = {
      evaluator: 'judge_relevance',
      version: '1+00000000',
      score: 0.75,
      passed: true,
      reason: 'ok',
      judge_model: 'judge-mini',
      input_tokens: 1,
      output_tokens: 2,
      cost_usd: 0.5,
    };
    await cache.set('k1', score, 60_000);
    expect(await cache.get('k1')).toEqual(score);
    expect(await redis.pttl('tj:judge-cache:k1')).toBeGreaterThan(50_000);
    expect(await cache.get('missing')).toBeUndefined();
    await redis.set('tj:judge-cache:bad', '{"score": "x"');
    expect(await cache.get('bad')).toBeUndefined();
    await cache.set('short', score, 50);
    await new Promise((res) => setTimeout(res, 120));
    expect(await cache.get('short')).toBeUndefined();
  });
});
