import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { DEFAULT_SOCKET_TIMEOUT_MS, type RedisConfig } from './redis-config.ts';

/** A connection to one Redis server or to a Redis Cluster; Assay's Redis code takes either. */
export type RedisClient = Redis | Cluster;

/**
 * Where the queue's Redis is: a `redis://` / `rediss://` URL (the child `redis-server`, tests), or
 * the connection part of the `redis` section (one server by `url`, or a `cluster` by seed nodes,
 * with username, password and TLS).
 */
export type RedisTarget =
  | string
  | (Pick<RedisConfig, 'url' | 'cluster' | 'username' | 'password' | 'tls'> &
      Partial<Pick<RedisConfig, 'socket_timeout'>>);

/** What a role needs of its connection: fail fast (producers) or wait for Redis (BullMQ workers). */
export interface RedisClientOptions {
  /** ioredis `maxRetriesPerRequest`: null waits forever (BullMQ workers need it). */
  maxRetriesPerRequest: number | null;
  connectTimeout?: number;
  lazyConnect?: boolean;
  /** ioredis `enableOfflineQueue`: false fails commands at once while disconnected. Default true. */
  enableOfflineQueue?: boolean;
}

/**
 * Creates (does not wait for) a client. A cluster is reached through its seed nodes; ioredis
 * follows MOVED/ASK redirections and reloads the slot map after a failover, and its commands are
 * retried on `CLUSTERDOWN` / `TRYAGAIN` while a replica is being promoted.
 */
export function createRedisClient(target: RedisTarget, opts: RedisClientOptions): RedisClient {
  const t: Exclude<RedisTarget, string> = typeof target === 'string' ? { url: target } : target;
  const auth: RedisOptions = {
    ...(t.username !== undefined ? { username: t.username } : {}),
    ...(t.password !== undefined ? { password: t.password } : {}),
  };
  const tls = tlsOptions(t.tls);
  const base: RedisOptions = {
    ...auth,
    ...(tls ? { tls } : {}),
    maxRetriesPerRequest: opts.maxRetriesPerRequest,
    enableReadyCheck: true,
    // A connection that stops answering is dropped and made again, its commands resent.
    socketTimeout: t.socket_timeout ?? DEFAULT_SOCKET_TIMEOUT_MS,
    ...(opts.connectTimeout !== undefined ? { connectTimeout: opts.connectTimeout } : {}),
    ...(opts.enableOfflineQueue !== undefined ? { enableOfflineQueue: opts.enableOfflineQueue } : {}),
  };
  if (t.cluster) {
    const nodes = t.cluster.nodes.map((n) => {
      const i = n.lastIndexOf(':');
      return { host: n.slice(0, i), port: Number(n.slice(i + 1)) };
    });
    const clusterOpts: ClusterOptions = {
      redisOptions: base,
      lazyConnect: opts.lazyConnect ?? false,
      enableReadyCheck: true,
      ...(opts.enableOfflineQueue !== undefined ? { enableOfflineQueue: opts.enableOfflineQueue } : {}),
      // Cluster commands are retried on redirection and while a slot has no master; the
      // per-request bound is the role's, as for one server.
      maxRedirections: 16,
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      // With TLS, certificates name hosts, not the addresses nodes announce: keep the names.
      ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    };
    return new Cluster(nodes, clusterOpts);
  }
  if (t.url === undefined) throw new Error('redis: neither url nor cluster is set');
  return new Redis(withoutCredentials(t.url, t), { ...base, lazyConnect: opts.lazyConnect ?? false });
}

/**
 * The URL without the credentials the section sets itself: `redis.username` / `redis.password`
 * win over the URL's (ioredis would let the URL's win), so a password from the environment
 * replaces one left in a URL.
 */
function withoutCredentials(
  url: string,
  t: { username?: string | undefined; password?: string | undefined },
): string {
  if (t.username === undefined && t.password === undefined) return url;
  const u = new URL(url);
  if (t.password !== undefined) u.password = '';
  if (t.username !== undefined) u.username = '';
  return u.toString();
}

/** A short name for logs and errors, without credentials. */
export function describeRedisTarget(target: RedisTarget): string {
  const t = typeof target === 'string' ? { url: target } : target;
  if (t.cluster) return `Redis Cluster (${t.cluster.nodes.join(', ')})`;
  return `Redis at ${(t.url ?? '').replace(/\/\/[^@/]*@/, '//***@')}`;
}

function tlsOptions(tls: RedisConfig['tls']): TlsOptions | undefined {
  if (!tls?.enabled) return undefined;
  return {
    rejectUnauthorized: tls.reject_unauthorized,
    ...(tls.ca_file !== undefined ? { ca: readFileSync(tls.ca_file) } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  };
}
