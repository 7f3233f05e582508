import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../core/logger.ts';
import { startEmbeddedClickhouse } from '../../storage/embedded/index.ts';
import { startTestRedis } from './redis.ts';

export interface TestBackends {
  /** A fresh temporary directory (removed by shutdown); ClickHouse keeps its data in `ch/`. */
  dir: string;
  clickhouseUrl: string;
  /** Password of the embedded server's `default` user. */
  clickhousePassword: string;
  redisUrl: string;
  shutdown(): Promise<void>;
}

/**
 * The shared services of an `assay` process run by a test as a child process: an embedded
 * ClickHouse served over HTTP and a test Redis, both in a fresh directory.
 */
export async function startBackends(prefix: string): Promise<TestBackends> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const embedded = await startEmbeddedClickhouse({
    dataDir: join(dir, 'ch'),
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });
  const redis = await startTestRedis();
  return {
    dir,
    clickhouseUrl: embedded.url,
    clickhousePassword: embedded.admin.password,
    redisUrl: redis.url,
    shutdown: async () => {
      await embedded.shutdown();
      await redis.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
