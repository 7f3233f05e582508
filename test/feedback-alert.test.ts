import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlerter } from '../alerts/alerter.ts';
import { parseConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { sendFeedback } from '../instrument/index.ts';
import { startTestAssay, type TestAssay } from './helpers/assay.ts';
import { eventually } from './helpers/eventually.ts';
import { otlpJsonRequest, type SimCall } from './helpers/otlp-json.ts';
import { startTestRedis } from './helpers/redis.ts';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.ts';

// End-user feedback driving an alert, end to end: calls arrive as OTLP spans at the real
// collector, the service's users give thumbs through instrument/'s sendFeedback, the scores land
// in llm_scores / llm_scores_1m (kind feedback), and the alerter, on a fixed clock, pages through a
// signed webhook when the thumbs-up rate of a route drops — and only for the kind the rule names.

const M = 60_000;
const SECRET = `whsec_${Buffer.from('feedback-alert-test-secret-32-b!').toString('base64')}`;
const NOW = Math.floor(Date.now() / M) * M;
const ROUTE = '/api/answers';

let assay: TestAssay;
let redisProc: Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
let receiver: WebhookReceiver;

/** `perMin` calls a minute over [from, to), each with the thumbs `down(i)` decides. */
function traffic(from: number, to: number, perMin: number): SimCall[] {
  const calls: SimCall[] = [];
  for (let t = from; t < to; t += M)
    for (let j = 0; j < perMin; j++)
      calls.push({ route: ROUTE, provider: 'openai', startMs: t + Math.floor((j * M) / perMin) });
  return calls;
}

async function inBatches<T>(
  items: T[],
  size: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size)
    await Promise.all(items.slice(i, i + size).map((item, k) => fn(item, i + k)));
}

beforeAll(async () => {
  [assay, redisProc, receiver] = await Promise.all([
    startTestAssay({ collector: { scores: { resolve_interval: '200ms' } } }),
    startTestRedis(),
    startWebhookReceiver(SECRET),
  ]);
  redis = new Redis(redisProc.url);
});

afterAll(async () => {
  redis?.disconnect();
  await Promise.all([assay?.shutdown(), redisProc?.shutdown(), receiver?.close()]);
});

describe('feedback → alert', () => {
  it('pages once when the thumbs-up rate of a route drops, from feedback sent by sendFeedback', async () => {
    // Baseline: one call a minute for two hours, 1 in 20 thumbs down; current 13 minutes: four a
    // minute, every other one thumbs down.
    const baseline = traffic(NOW - 136 * M, NOW - 16 * M, 1);
    const current = traffic(NOW - 14 * M, NOW - M, 4);
    const calls = [...baseline, ...current].map((c, i) => ({
      ...c,
      traceId: (i + 1).toString(16).padStart(32, '0'),
    }));
    const { body, spanIds } = otlpJsonRequest(calls);
    const res = await fetch(`${assay.collector.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    await eventually(async () => {
      const [r] = await assay.rows<{ n: number }>(
        'SELECT count() AS n FROM assay.llm_calls WHERE route = {r:String}',
        { r: ROUTE },
      );
      return Number(r?.n) === calls.length ? true : undefined;
    });
    const results: string[] = [];
    await inBatches(calls, 8, async (c, i) => {
      const down = i < baseline.length ? i % 20 === 0 : i % 2 === 0;
      // Half name the span, half only the trace (its last call: the same one here).
      const spanId = i % 2 === 1 ? spanIds[i] : undefined;
      results.push(
        await sendFeedback(
          { traceId: c.traceId, spanId, thumbs: down ? 'down' : 'up' },
          { endpoint: assay.collector.url },
        ),
      );
    });
    expect(results.filter((r) => r === 'filed')).toHaveLength(calls.length);
    const [rollup] = await assay.rows<{ n: number; passes: number }>(
      `SELECT sum(n) AS n, sum(passes) AS passes FROM assay.llm_scores_1m
        WHERE route = {r:String} AND evaluator = 'user_feedback' AND kind = 'feedback'`,
      { r: ROUTE },
    );
    expect(Number(rollup?.n)).toBe(calls.length);
    expect(Number(rollup?.passes)).toBe(baseline.length - 6 + current.length / 2);

    const config = parseConfig({
      redis: { prefix: 'feedback-alert' },
      alerts: {
        interval: '1s',
        channels: [{ name: 'on-call', type: 'webhook', url: receiver.url, secret: SECRET }],
        rules: [
          {
            name: 'thumbs_up_drop',
            metric: 'pass_rate',
            evaluator: 'user_feedback',
            evaluator_kind: 'feedback',
            by: ['route'],
            window: '15m',
            short_window: '0s',
            baseline: '2h',
            for: 2,
          },
          // The same evaluator name read as another kind has no series: it never fires.
          {
            name: 'external_user_feedback',
            metric: 'pass_rate',
            evaluator: 'user_feedback',
            evaluator_kind: 'external',
            by: ['route'],
            window: '15m',
            short_window: '0s',
            baseline: '2h',
            for: 1,
          },
        ],
      },
    });
    const alerter = createAlerter({
      config,
      clickhouse: assay.rt.clickhouse,
      redis,
      logger: silentLogger,
      now: () => NOW,
    });
    try {
      const transitions = async () =>
        (await alerter.tickOnce()).outcome?.events.map((e) => `${e.rule.name}:${e.transition}`);
      expect(await transitions()).toEqual(['thumbs_up_drop:pending']);
      expect(await transitions()).toEqual(['thumbs_up_drop:firing']);
      expect(await transitions()).toEqual([]);
      await alerter.idle();
    } finally {
      await alerter.shutdown();
    }
    expect(receiver.received).toHaveLength(1);
    const page = receiver.received[0];
    expect(page?.verified).toBe(true);
    expect(page?.body.status).toBe('firing');
    expect(page?.body.commonLabels).toMatchObject({
      alertname: 'thumbs_up_drop',
      route: ROUTE,
      evaluator: 'user_feedback',
    });
  });
});
