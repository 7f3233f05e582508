import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { judgesConfigSchema } from './config.ts';
import { createJudgeEndpoint } from './endpoint.ts';
import { Semaphore } from './semaphore.ts';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('hands out the burst, then books the next token with its wait, then refuses past the bound', () => {
    let t = 0;
    const b = new TokenBucket(1 / 1000, 2, () => t); // 60 per minute, burst 2
    expect(b.reserve(0)).toEqual({ ok: true, waitMs: 0 });
    expect(b.reserve(0)).toEqual({ ok: true, waitMs: 0 });
    expect(b.reserve(500)).toEqual({ ok: false, waitMs: 1000 });
    expect(b.reserve(1000)).toEqual({ ok: true, waitMs: 1000 });
    expect(b.reserve(1500)).toEqual({ ok: false, waitMs: 2000 }); // the booked token counts
    t += 2000;
    expect(b.reserve(0)).toEqual({ ok: true, waitMs: 0 });
  });

  it('never holds more than its capacity', () => {
    let t = 0;
    const b = new TokenBucket(1 / 1000, 1, () => t);
    t += 60_000;
    expect(b.reserve(0).ok).toBe(true);
    expect(b.reserve(0).ok).toBe(false);
  });
});

describe('Semaphore', () => {
  it('limits holders; a waiter gets a released slot; a waiter past its bound gives up', async () => {
    const s = new Semaphore(1);
    expect(await s.acquire(0)).toBe(true);
    expect(await s.acquire(0)).toBe(false);
    const waiting = s.acquire(10_000);
    s.release();
    expect(await waiting).toBe(true);
    expect(await s.acquire(5)).toBe(false);
    s.release();
    expect(await s.acquire(0)).toBe(true);
  });

  it('rejectWaiters refuses everyone waiting', async () => {
    const s = new Semaphore(1);
    await s.acquire(0);
    const w = s.acquire(10_000);
    s.rejectWaiters();
    expect(await w).toBe(false);
  });
});

describe('an endpoint whose rate limiter cannot be asked', () => {
  it('defers the judgement instead of going over the rate', async () => {
    const cfg = judgesConfigSchema.parse({
      endpoints: [{ name: 'j', base_url: 'http://127.0.0.1:1/v1', model: 'm', api_key_env: 'K' }],
    }).endpoints[0]!;
    const endpoint = createJudgeEndpoint(cfg, {
      complete: async () => ({ ok: false, failure: 'aborted', class: 'permanent', health: 'neutral' }),
      now: Date.now,
      logger: silentLogger,
      limiter: { reserve: () => Promise.reject(new Error('ECONNREFUSED')) },
    });
    expect(await endpoint.enter()).toEqual({ ok: false, reason: 'rate_limited', retryAfterMs: 2000 });
    endpoint.shutdown();
  });
});
