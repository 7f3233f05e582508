import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../core/free-port.ts';
import { RedisPortInUseError, startRedisServer, type RedisProcess } from '../core/redis-process.ts';
import { writePidfile } from '../core/redis-pidfile.ts';
import { eventually } from './helpers/assay.ts';

// The supervised redis-server child, in this process: killed → restarted on the same port with
// the same password while clients reconnect; a foreign Redis on the port is refused, never used;
// an orphan left on our data directory is stopped, not adopted.

const dir = mkdtempSync(join(tmpdir(), 'assay-redis-child-'));
const stops: Array<() => Promise<unknown>> = [];
const foreign: ChildProcess[] = [];

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  for (const c of foreign) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function plainRedis(port: number, dataDir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--save', ''],
    {
      stdio: 'ignore',
    },
  );
  foreign.push(child);
  const probe = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 100 });
  probe.on('error', () => undefined);
  await eventually(async () => ((await probe.ping().catch(() => '')) === 'PONG' ? true : undefined));
  probe.disconnect();
  return child;
}

describe('supervised redis-server child', () => {
  let redis: RedisProcess;

  it('is restarted after SIGKILL; healthy() reflects it and the queue keeps working', async () => {
    redis = await startRedisServer({ dataDir: join(dir, 'a'), port: 0, persist: true });
    stops.push(() => redis.shutdown());
    const first = redis.pid();
    expect(first).toBeGreaterThan(0);
    expect(redis.healthy()).toBe(true);
    const queue = new Queue('t', { connection: { url: redis.url } });
    stops.push(() => queue.close());
    const done: string[] = [];
    const worker = new Worker('t', async (job) => void done.push(String(job.id)), {
      connection: { url: redis.url, maxRetriesPerRequest: null },
    });
    worker.on('error', () => undefined);
    stops.push(() => worker.close());
    await queue.add('x', {}, { jobId: 'before' });
    await eventually(async () => (done.includes('before') ? true : undefined));

    process.kill(first!, 'SIGKILL');
    await eventually(async () => (!redis.healthy() ? true : undefined), 5000);
    await eventually(async () => (redis.healthy() ? true : undefined), 15_000);
    expect(redis.pid()).not.toBe(first);
    await eventually(async () => (await queue.add('x', {}, { jobId: 'after' })) && true, 15_000);
    await eventually(async () => (done.includes('after') ? true : undefined), 15_000);
  });

  it('refuses a port held by a foreign Redis instead of sharing it', async () => {
    const port = await freePort();
    await plainRedis(port, dir);
    await expect(startRedisServer({ dataDir: join(dir, 'b'), port, persist: false })).rejects.toThrow(
      RedisPortInUseError,
    );
  });

  it('stops a redis-server orphaned on its data directory and starts its own', async () => {
    const dataDir = join(dir, 'c');
    const port = await freePort();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dataDir, { recursive: true });
    const orphan = await plainRedis(port, dataDir);
    writePidfile(dataDir, orphan.pid!, port);
    const mine = await startRedisServer({ dataDir, port, persist: false });
    stops.push(() => mine.shutdown());
    expect(alive(orphan.pid!) && orphan.exitCode === null).toBe(false);
    expect(mine.pid()).not.toBe(orphan.pid);
    const client = new Redis(mine.url);
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });
});
