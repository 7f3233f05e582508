import { Cluster } from 'ioredis';
import {
  createRedisClient,
  describeRedisTarget,
  type RedisClient,
  type RedisTarget,
} from './redis-client.ts';
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
 * call returns the policy as `unknown`. On a cluster every master is asked (a failover promotes
 * a replica, so replicas should be configured alike).
 */
export async function assertNoEviction(redis: RedisClient): Promise<string> {
  if (redis instanceof Cluster) {
    const policies = await Promise.all(redis.nodes('master').map((node) => assertNoEviction(node)));
    return policies[0] ?? 'unknown';
  }
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
 * Opens a connection (one server or a cluster) and waits until it answers. Producers fail fast
 * (`maxRetriesPerRequest` small, no offline queue once connected) so the collector never waits
 * on Redis; workers use `maxRetriesPerRequest: null` as BullMQ requires for blocking commands.
 */
export async function connectRedis(target: RedisTarget, role: 'producer' | 'worker'): Promise<RedisClient> {
  const redis = createRedisClient(
    target,
    role === 'worker'
      ? { maxRetriesPerRequest: null, lazyConnect: true }
      : { maxRetriesPerRequest: 1, connectTimeout: 5000, lazyConnect: true },
  );
  // Errors are surfaced by the commands that fail; an unhandled 'error' event would crash.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot connect to ${describeRedisTarget(target)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return redis;
}

const TRANSIENT_REPLIES = new Set(['CLUSTERDOWN', 'TRYAGAIN', 'MASTERDOWN', 'LOADING', 'READONLY']);

/** Network-level Redis errors are worth retrying; everything else (script errors, OOM under noeviction) is not. */
export function classifyRedisError(err: unknown): ErrorClass {
  const code = (err as { code?: unknown }).code;
  const retryable = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTCONN', 'EHOSTUNREACH']);
  if (typeof code === 'string' && retryable.has(code)) return 'retryable';
  const name = (err as { name?: unknown }).name;
  // ioredis signals a closed connection or exhausted per-request retries with these classes.
  if (name === 'MaxRetriesPerRequestError' || name === 'ConnectionClosedError') return 'retryable';
  // An error reply's first word is its kind (RESP: "-CLUSTERDOWN The cluster is down"): these
  // pass while a cluster promotes a replica or a server loads its data set.
  if (name === 'ReplyError' && err instanceof Error && TRANSIENT_REPLIES.has(err.message.split(' ')[0] ?? ''))
    return 'retryable';
  return 'permanent';
}
