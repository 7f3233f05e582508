import { Redis, type RedisOptions } from 'ioredis';
import type { ErrorClass } from './retry.ts';

/** Raised at start when Redis would evict keys: BullMQ's locks and job hashes must never be evicted. */
export class RedisEvictionPolicyError extends Error {
  override name = 'RedisEvictionPolicyError';
}

/**
 * Throws a clear error when Redis's `maxmemory-policy` is not `noeviction` (a BullMQ
 * requirement: with any eviction policy, job keys and locks can silently disappear under memory
 * pressure, and jobs are lost or run twice). Reads `INFO memory`, which managed services that
 * disable `CONFIG` still answer; when the field is hidden too, nothing can be checked and the
 * call returns the policy as `unknown`.
 */
export async function assertNoEviction(redis: Redis): Promise<string> {
  const info = await redis.info('memory');
  const line = info.split(/\r?\n/).find((l) => l.startsWith('maxmemory_policy:'));
  const policy = line?.slice('maxmemory_policy:'.length).trim() ?? 'unknown';
  if (policy !== 'noeviction' && policy !== 'unknown') {
    throw new RedisEvictionPolicyError(
      `Redis maxmemory-policy is "${policy}"; the evaluation queue needs "noeviction" ` +
        '(set `maxmemory-policy noeviction` in redis.conf or with `CONFIG SET maxmemory-policy noeviction`)',
    );
  }
  return policy;
}

/**
 * Opens a connection and waits until it answers. Producers fail fast (`maxRetriesPerRequest`
 * small, no offline queue once connected) so the collector never waits on Redis; workers use
 * `maxRetriesPerRequest: null` as BullMQ requires for blocking commands.
 */
export async function connectRedis(url: string, role: 'producer' | 'worker'): Promise<Redis> {
  const opts: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableReadyCheck: true, connectTimeout: 5000 };
  const redis = new Redis(url, { ...opts, lazyConnect: true });
  // Errors are surfaced by the commands that fail; an unhandled 'error' event would crash.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot connect to Redis at ${redactUrl(url)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return redis;
}

/** Network-level Redis errors are worth retrying; everything else (script errors, OOM under noeviction) is not. */
export function classifyRedisError(err: unknown): ErrorClass {
  const code = (err as { code?: unknown }).code;
  const retryable = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTCONN', 'EHOSTUNREACH']);
  if (typeof code === 'string' && retryable.has(code)) return 'retryable';
  const name = (err as { name?: unknown }).name;
  // ioredis signals a closed connection or exhausted per-request retries with these classes.
  if (name === 'MaxRetriesPerRequestError' || name === 'ConnectionClosedError') return 'retryable';
  return 'permanent';
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
