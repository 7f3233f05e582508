import type { RedisClient } from '../../core/redis-client.ts';
import { TokenBucket } from './token-bucket.ts';

/**
 * An endpoint's request rate limit: `reserve` takes a token now if there is one, or books the
 * next free one and says how long to wait for it, unless that wait exceeds `maxWaitMs` (then
 * nothing is booked and the caller defers its job for the returned wait instead).
 */
export interface RateLimiter {
  reserve(maxWaitMs: number): Promise<{ ok: boolean; waitMs: number }>;
}

/** Builds the limiter of one endpoint from its `rate_limit_per_minute` and burst (`concurrency`). */
export type RateLimiterFactory = (endpoint: string, perMinute: number, burst: number) => RateLimiter;

/** In this process only: each worker process gets the whole rate (tests, `assay start`). */
export const memoryRateLimiters =
  (now: () => number = Date.now): RateLimiterFactory =>
  (_endpoint, perMinute, burst) => {
    const bucket = new TokenBucket(perMinute / 60_000, burst, now);
    return { reserve: async (maxWaitMs) => bucket.reserve(maxWaitMs) };
  };

/**
 * The same token bucket in Redis, so that every worker process shares the endpoint's rate: one
 * hash per endpoint (tokens, last refill in ms), refilled and taken from in one script on the
 * server's clock (`TIME`), so workers' clocks need not agree. The hash expires once a full
 * bucket would have refilled (plus a minute), so an idle endpoint leaves nothing behind.
 */
const RESERVE = `
local rate = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local s = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(s[1]) or cap
local last = tonumber(s[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - last) * rate)
local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) / rate) end
if wait > max_wait then return {0, wait} end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'last', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + 60000)
return {1, wait}`;

/** Limiters shared by all workers on `redis`, under `<prefix>:judge-rate:<endpoint>` (one key: one slot). */
export const redisRateLimiters =
  (redis: RedisClient, prefix: string): RateLimiterFactory =>
  (endpoint, perMinute, burst) => {
    const key = `${prefix}:judge-rate:${endpoint}`;
    const rate = String(perMinute / 60_000);
    return {
      reserve: async (maxWaitMs) => {
        const [ok, wait] = (await redis.eval(RESERVE, 1, key, rate, String(burst), String(maxWaitMs))) as [
          number,
          number,
        ];
        return { ok: ok === 1, waitMs: Number(wait) };
      },
    };
  };
