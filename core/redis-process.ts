import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { freePort } from './free-port.ts';
import type { Logger } from './logger.ts';
import { sleep } from './retry.ts';

export interface RedisProcess {
  url: string;
  port: number;
  /** Stops the child (SIGTERM, then SIGKILL after 5 s). Idempotent. */
  shutdown(): Promise<void>;
}

export interface RedisProcessOptions {
  /** Directory for the AOF/RDB files; created if missing. */
  dataDir: string;
  /** 0 = pick a free port. */
  port: number;
  host?: string;
  /** Persist with AOF (everysec). Tests turn it off. Default true. */
  persist?: boolean;
  logger?: Logger;
}

/** Raised when `redis-server` is not installed; the message says how to get it. */
export class RedisNotFoundError extends Error {
  override name = 'RedisNotFoundError';
}

/**
 * Starts `redis-server` from PATH as a child process, configured the way BullMQ needs it
 * (`maxmemory-policy noeviction`, AOF everysec), and waits until it answers PING.
 */
export async function startRedisServer(opts: RedisProcessOptions): Promise<RedisProcess> {
  const host = opts.host ?? '127.0.0.1';
  mkdirSync(opts.dataDir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const port = opts.port || (await freePort(host));
    const args = [
      '--port',
      String(port),
      '--bind',
      host,
      '--dir',
      opts.dataDir,
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
      '--daemonize',
      'no',
      '--appendonly',
      opts.persist === false ? 'no' : 'yes',
      '--appendfsync',
      'everysec',
      '--loglevel',
      'warning',
      '--protected-mode',
      'no',
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const outcome = await Promise.race([
      waitForPing(host, port, 10_000).then(() => 'up' as const),
      spawnError.then((err) => err),
      exited.then(() => 'exited' as const),
    ]);
    if (outcome === 'up') {
      opts.logger?.info({ port, dataDir: opts.dataDir }, 'redis-server child started');
      return { url: `redis://${host}:${port}`, port, shutdown: once(() => stop(child, exited)) };
    }
    if (outcome instanceof Error) {
      if ((outcome as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new RedisNotFoundError(
          'redis-server is not on PATH. Install it (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) or set redis.url in the config.',
        );
      }
      throw outcome;
    }
    child.kill('SIGKILL');
    if (opts.port || attempt >= 3)
      throw new Error(`redis-server did not start on port ${port}: ${stderr.trim()}`);
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function waitForPing(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(host, port)) return;
    await sleep(50);
  }
  throw new Error(`redis-server on ${host}:${port} did not answer PING within ${timeoutMs} ms`);
}

function ping(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
