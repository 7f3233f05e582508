import { join, resolve } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { AssayConfig } from './config.ts';
import type { Logger } from '../core/logger.ts';
import type { RedisTarget } from '../core/redis-client.ts';
import { startRedisServer } from '../core/redis-process.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { clientPassword } from '../storage/embedded/credentials.ts';
import { migrate } from '../storage/migrate.ts';

/** What every role shares in one process: config, logger, ClickHouse, and Redis when needed. */
export interface Runtime {
  config: AssayConfig;
  logger: Logger;
  /** Absolute data directory. */
  dataDir: string;
  clickhouse: ClickHouseClient;
  clickhouseUrl: string;
  /** The queue's Redis (`redis.url`, `redis.cluster`, or the child's URL); set when configured or a role needs it. */
  redis?: RedisTarget;
  /**
   * False while the supervised `redis-server` child is down and being restarted (always true
   * with `redis.url`: an external server's health is its clients' business). `/healthz` reads it.
   */
  healthy: () => boolean;
  /** The clock roles read (the demo runs a faster virtual one). */
  now: () => number;
  /** Closes clients, then stops what the runtime started (embedded ClickHouse, child Redis). */
  shutdown(): Promise<void>;
}

export interface RuntimeOptions {
  needRedis: boolean;
  /** Apply migrations at start. Default true. */
  migrate?: boolean;
  /** Clock for the roles. Default Date.now. */
  now?: () => number;
}

/**
 * Connects to ClickHouse (or starts the embedded engine when no `clickhouse.url` is set),
 * applies migrations, and connects to Redis (or starts a `redis-server` child when no
 * `redis.url` is set). The rest of Assay never knows whether either is embedded.
 */
export async function openRuntime(
  config: AssayConfig,
  logger: Logger,
  opts: RuntimeOptions,
): Promise<Runtime> {
  const dataDir = resolve(config.data_dir);
  const stops: Array<() => Promise<void>> = [];
  try {
    let clickhouseUrl = config.clickhouse.url;
    let credentials: { username: string; password: string };
    if (!clickhouseUrl) {
      const embedded = await startEmbedded(config, dataDir, logger);
      stops.push(() => embedded.shutdown());
      clickhouseUrl = embedded.url;
      credentials = embedded.admin;
    } else {
      const { username, password } = config.clickhouse;
      credentials = { username, password: clientPassword(password, clickhouseUrl, dataDir) };
    }
    const clickhouse = createClickhouseClient({ ...config.clickhouse, ...credentials }, clickhouseUrl);
    stops.push(() => clickhouse.close());
    if (opts.migrate !== false) {
      const { applied } = await migrate(clickhouse, {
        database: config.clickhouse.database,
        ttlDays: config.clickhouse.ttl_days,
        cluster: config.clickhouse.cluster,
        logger,
      });
      if (applied.length) logger.info({ applied }, 'migrations applied');
    }
    let redis: RedisTarget | undefined =
      config.redis.url !== undefined || config.redis.cluster !== undefined ? config.redis : undefined;
    let healthy = (): boolean => true;
    if (opts.needRedis && !redis) {
      const child = await startRedisServer({
        dataDir: join(dataDir, 'redis'),
        port: config.redis.port,
        logger,
      });
      stops.push(() => child.shutdown());
      redis = child.url;
      healthy = () => child.healthy();
    }
    let closed: Promise<void> | undefined;
    return {
      config,
      logger,
      dataDir,
      clickhouse,
      clickhouseUrl,
      redis,
      healthy,
      now: opts.now ?? Date.now,
      shutdown: () => (closed ??= runInReverse(stops, logger)),
    };
  } catch (err) {
    await runInReverse(stops, logger);
    throw err;
  }
}

async function startEmbedded(config: AssayConfig, dataDir: string, logger: Logger) {
  const { startEmbeddedClickhouse } = await import('../storage/embedded/index.ts');
  const server = await startEmbeddedClickhouse(embeddedOptions(config, dataDir, logger));
  logger.info(
    { url: server.url, user: server.admin.username, readonly_user: server.reader.username },
    'embedded ClickHouse serving (passwords: clickhouse.password / clickhouse.embedded.readonly_password, or the files under data_dir)',
  );
  return server;
}

/** What `startEmbeddedClickhouse` needs from the config (`assay start` and `assay clickhouse`). */
export function embeddedOptions(config: AssayConfig, dataDir: string, logger: Logger) {
  const { host, port } = config.clickhouse.embedded;
  return {
    dataDir,
    host,
    port,
    logger,
    username: config.clickhouse.username,
    password: config.clickhouse.password,
    config: config.clickhouse.embedded,
  };
}

async function runInReverse(stops: Array<() => Promise<void>>, logger: Logger): Promise<void> {
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (err) {
      logger.warn({ err }, 'error while stopping');
    }
  }
}
