import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type RedisProcess } from '../../core/redis-process.ts';

/** A throwaway `redis-server` on a free port, without persistence, for one test file. */
export async function startTestRedis(): Promise<RedisProcess & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'assay-redis-'));
  const redis = await startRedisServer({ dataDir: dir, port: 0, persist: false });
  return {
    ...redis,
    dir,
    shutdown: async () => {
      await redis.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
