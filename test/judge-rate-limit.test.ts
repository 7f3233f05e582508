import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryRateLimiters, redisRateLimiters } from '../evaluators/judges/index.ts';
import { startTestRedis } from './helpers/redis.ts';

// A judge endpoint's `rate_limit_per_minute` holds over all worker processes together: their
// limiters share one token bucket in Redis (here two workers' limiters on one real redis-server).

let server: Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;

beforeAll(async () => {
  server = await startTestRedis();
  redis = new Redis(server.url, { maxRetriesPerRequest: 3 });
});

afterAll(async () => {
  redis?.disconnect();
  await server?.shutdown();
});

describe('judge rate limits shared through Redis', () => {
  it('two workers share one bucket: burst, then booked waits that count for both', async () => {
    // 6 a minute (a token every 10 s), burst 3, as two worker processes would build them. The
    // slow rate keeps the waits' expected ranges wide of the time the calls themselves take.
    const a = redisRateLimiters(redis, 'rl')('judge', 6, 3);
    const b = redisRateLimiters(redis, 'rl')('judge', 6, 3);
    const burst = [await a.reserve(0), await b.reserve(0), await a.reserve(0)];
    expect(burst.map((r) => r.ok)).toEqual([true, true, true]);
    const refused = await b.reserve(0);
    expect(refused.ok).toBe(false);
    expect(refused.waitMs).toBeGreaterThan(5000);
    expect(refused.waitMs).toBeLessThanOrEqual(10_000);
    // b books the next token; a, behind it, would wait for the one after.
    const booked = await b.reserve(20_000);
    expect(booked.ok).toBe(true);
    expect(booked.waitMs).toBeGreaterThan(5000);
    expect(booked.waitMs).toBeLessThanOrEqual(10_000);
    const behind = await a.reserve(1000);
    expect(behind.ok).toBe(false);
    expect(behind.waitMs).toBeGreaterThan(15_000);
    expect(behind.waitMs).toBeLessThanOrEqual(20_000);
    // An idle endpoint's bucket expires (refill time of a full bucket, 30 s, plus a minute).
    const ttl = await redis.pttl('rl:judge-rate:judge');
    expect(ttl).toBeGreaterThan(80_000);
    expect(ttl).toBeLessThanOrEqual(90_000);
    // Another endpoint has its own bucket.
    expect((await a.reserve(0)).ok).toBe(false);
    expect((await redisRateLimiters(redis, 'rl')('other', 6, 3).reserve(0)).ok).toBe(true);
  });

  it('without Redis each process would get the whole rate (the in-process default)', async () => {
    const a = memoryRateLimiters()('judge', 60, 3);
    const b = memoryRateLimiters()('judge', 60, 3);
    const all = await Promise.all([a, b, a, b, a, b].map((l) => l.reserve(0)));
    expect(all.filter((r) => r.ok)).toHaveLength(6);
  });
});
