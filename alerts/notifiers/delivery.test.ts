import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../cli/config.ts';
import { silentLogger } from '../../core/logger.ts';
import { testNotice } from '../notices/test-notification.ts';
import { createDispatcher, deliver, type DeliveryAttempt } from './delivery.ts';

const [hook, slow] = parseConfig({
  alerts: {
    channels: [
      {
        name: 'hook',
        type: 'webhook',
        url: 'http://hook.test/x',
        secret: 'whsec_c2VjcmV0c2VjcmV0',
        max_attempts: 4,
      },
      { name: 'slow', type: 'slack', url: 'http://slack.test/x', max_attempts: 3 },
    ],
  },
}).alerts.channels as [never, never];
const backoff = { initialMs: 1, maxMs: 5 };

/** A fake HTTP endpoint answering with the given statuses in turn, recording what it got. */
function fakeFetch(
  statuses: (number | Error)[],
  seen: { url: string; headers: Record<string, string> }[] = [],
): typeof fetch {
  let i = 0;
  return (async (url: string, init: RequestInit) => {
    seen.push({ url, headers: init.headers as Record<string, string> });
    const s = statuses[Math.min(i++, statuses.length - 1)]!;
    if (s instanceof Error) throw s;
    return new Response('nope', { status: s, headers: s === 429 ? { 'retry-after': '0' } : {} });
  }) as unknown as typeof fetch;
}

describe('delivery', () => {
  it('retries 5xx, 429 and network errors, then delivers; every attempt recorded; webhook-id stable', async () => {
    const attempts: DeliveryAttempt[] = [];
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const last = await deliver(hook, testNotice(1), {
      logger: silentLogger,
      fetch: fakeFetch([503, 429, new TypeError('fetch failed'), 200], seen),
      record: (a) => attempts.push(a),
      backoff,
    });
    expect(last).toMatchObject({ outcome: 'delivered', attempt: 4, http_status: 200 });
    expect(attempts.map((a) => [a.outcome, a.http_status])).toEqual([
      ['retry', 503],
      ['retry', 429],
      ['retry', 0],
      ['delivered', 200],
    ]);
    expect(new Set(seen.map((s) => s.headers['webhook-id'])).size).toBe(1);
  });

  it('drops on a permanent 4xx without retrying', async () => {
    const attempts: DeliveryAttempt[] = [];
    const last = await deliver(hook, testNotice(1), {
      logger: silentLogger,
      fetch: fakeFetch([400, 200]),
      record: (a) => attempts.push(a),
      backoff,
    });
    expect(last).toMatchObject({ outcome: 'dropped', http_status: 400, error: 'nope' });
    expect(attempts).toHaveLength(1);
  });

  it('gives up after max_attempts', async () => {
    const last = await deliver(slow, testNotice(1), {
      logger: silentLogger,
      fetch: fakeFetch([500]),
      backoff,
    });
    expect(last).toMatchObject({ outcome: 'failed', attempt: 3 });
  });

  it('a failing channel does not hold up another', async () => {
    const order: string[] = [];
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    const f = (async (url: string) => {
      if (url.startsWith('http://slack.test')) await stuck;
      order.push(url);
      return new Response('', { status: 200 });
    }) as unknown as typeof fetch;
    const d = createDispatcher({ logger: silentLogger, fetch: f, backoff });
    d.enqueue(slow, testNotice(1));
    d.enqueue(hook, testNotice(2));
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual(['http://hook.test/x']);
    release();
    await d.idle();
    expect(order).toEqual(['http://hook.test/x', 'http://slack.test/x']);
    await d.shutdown();
  });
});
