import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from './free-port.ts';
import type { Logger } from './logger.ts';
import { counter, gauge } from './metrics.ts';
import { spawnRedisChild, waitForAuthPing, type RedisChild, type RedisChildSpec } from './redis-child.ts';
import { removePidfile, stopStaleChild, writePidfile } from './redis-pidfile.ts';
import { backoffDelay, sleep } from './retry.ts';

export interface RedisProcess {
  /** `redis://:<password>@host:port` — the password is this start's own. */
  url: string;
  port: number;
  /** Pid of the serving child; undefined while it is down and being restarted. */
  pid(): number | undefined;
  /** True while the child is up and answered our AUTH + PING (false while it is restarted). */
  healthy(): boolean;
  /** Stops supervising and stops the child (SIGTERM, then SIGKILL after 5 s). Idempotent. */
  shutdown(): Promise<void>;
}

export interface RedisProcessOptions {
  /** Directory for the AOF files and the pidfile; created if missing. */
  dataDir: string;
  /** 0 = pick a free port (kept across restarts). */
  port: number;
  host?: string;
  /** Persist with AOF (everysec). Tests turn it off. Default true. */
  persist?: boolean;
  /** Restart the child when it dies (with backoff). Default true. */
  supervise?: boolean;
  logger?: Logger;
}

/** Raised when `redis-server` is not installed; the message says how to get it. */
export class RedisNotFoundError extends Error {
  override name = 'RedisNotFoundError';
}

/** Raised when the configured port is taken: Assay never shares a Redis it did not start. */
export class RedisPortInUseError extends Error {
  override name = 'RedisPortInUseError';
}

const restarts = counter({
  name: 'assay_redis_child_restarts_total',
  help: 'Restarts of the redis-server child after it died, by outcome (started, failed)',
  labelNames: ['outcome'],
});
const up = gauge({ name: 'assay_redis_child_up', help: '1 while the redis-server child serves, else 0' });

const READY_TIMEOUT_MS = 10_000;
const RESTART_BACKOFF = { initialMs: 250, maxMs: 10_000 };

/**
 * Starts `redis-server` from PATH as a supervised child, configured the way BullMQ needs it
 * (`maxmemory-policy noeviction`, AOF everysec), with a password generated for this start: the
 * readiness check authenticates, so a foreign Redis on the same port can never pass for ours.
 * A child that dies is restarted on the same port with the same password (clients reconnect);
 * `healthy()` is false meanwhile. The child gets a parent-death signal where Linux allows, and
 * a child orphaned by an earlier SIGKILLed Assay on this data directory is stopped first.
 */
export async function startRedisServer(opts: RedisProcessOptions): Promise<RedisProcess> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const stale = await stopStaleChild(dataDir);
  if (stale)
    opts.logger?.warn({ pid: stale, dataDir }, 'stopped a redis-server orphaned by an earlier Assay');
  const base = {
    host: opts.host ?? '127.0.0.1',
    dataDir,
    password: randomBytes(24).toString('hex'),
    persist: opts.persist !== false,
  };
  let spec: RedisChildSpec | undefined;
  let child: RedisChild | undefined;
  for (let attempt = 0; !child; attempt++) {
    spec = { ...base, port: opts.port || (await freePort(base.host)) };
    const outcome = await startOnce(spec);
    if (!(outcome instanceof Error)) child = outcome;
    else if (opts.port || attempt >= 3 || !(outcome instanceof RedisPortInUseError)) throw outcome;
  }
  const s = spec as RedisChildSpec;
  let current: RedisChild | undefined = child;
  let stopping = false;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (wake = r));
  up.set(1);
  opts.logger?.info({ port: s.port, dataDir, pid: child.process.pid }, 'redis-server child started');

  const supervise = async (): Promise<void> => {
    let attempt = 0;
    let lastLog = 0;
    while (!stopping) {
      if (current) await Promise.race([current.exited, stopped]);
      if (stopping) return;
      if (current) {
        const { exitCode, signalCode } = current.process;
        opts.logger?.warn({ exitCode, signal: signalCode }, 'redis-server child died; restarting it');
        if (current.process.pid) removePidfile(dataDir, current.process.pid);
        current = undefined;
        up.set(0);
      }
      await Promise.race([sleep(backoffDelay(attempt++, RESTART_BACKOFF)), stopped]);
      if (stopping) return;
      const outcome = await startOnce(s, stopped);
      if (outcome instanceof Error) {
        restarts.inc({ outcome: 'failed' });
        if (Date.now() - lastLog > 60_000) {
          lastLog = Date.now();
          opts.logger?.error({ err: outcome }, 'redis-server child could not be restarted; retrying');
        }
        continue;
      }
      if (stopping) {
        await stop(outcome);
        return;
      }
      current = outcome;
      attempt = 0;
      restarts.inc({ outcome: 'started' });
      up.set(1);
      opts.logger?.info({ pid: outcome.process.pid }, 'redis-server child restarted');
    }
  };
  const loop = opts.supervise === false ? Promise.resolve() : supervise();

  let closed: Promise<void> | undefined;
  return {
    url: `redis://:${s.password}@${s.host}:${s.port}`,
    port: s.port,
    pid: () => (current && current.process.exitCode === null ? current.process.pid : undefined),
    healthy: () =>
      current !== undefined && current.process.exitCode === null && current.process.signalCode === null,
    shutdown: () =>
      (closed ??= (async () => {
        stopping = true;
        wake();
        await loop;
        if (current) await stop(current);
        current = undefined;
        up.set(0);
      })()),
  };
}

/** One incarnation: spawn, then wait until it answers our AUTH + PING, or say why it did not. */
async function startOnce(spec: RedisChildSpec, abort?: Promise<void>): Promise<RedisChild | Error> {
  const child = spawnRedisChild(spec);
  const spawnError = new Promise<Error>((r) => child.process.once('error', r));
  const outcome = await Promise.race([
    waitForAuthPing(spec, READY_TIMEOUT_MS, abort ?? new Promise(() => undefined)).then((ok) =>
      ok ? ('up' as const) : ('timeout' as const),
    ),
    spawnError,
    child.exited.then(() => 'exited' as const),
  ]);
  if (outcome === 'up') {
    if (child.process.pid) writePidfile(spec.dataDir, child.process.pid, spec.port);
    return child;
  }
  if (outcome instanceof Error)
    return (outcome as NodeJS.ErrnoException).code === 'ENOENT' ? notFound() : outcome;
  await stop(child);
  const output = child.output().trim();
  // Through setpriv, a missing redis-server is setpriv failing to exec it.
  if (outcome === 'exited' && /failed to execute redis-server/i.test(output)) return notFound();
  if (/address already in use/i.test(output))
    return new RedisPortInUseError(
      `redis.port ${spec.port} on ${spec.host} is already in use by another process (a system Redis or another Assay). ` +
        'Assay never shares a Redis it did not start: set redis.port to a free port (0 picks one), or redis.url to use that server.',
    );
  return new Error(`redis-server did not start on port ${spec.port}: ${output || outcome}`);
}

const notFound = (): RedisNotFoundError =>
  new RedisNotFoundError(
    'redis-server is not on PATH. Install it (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) or set redis.url in the config.',
  );

async function stop(child: RedisChild): Promise<void> {
  const p = child.process;
  if (p.exitCode === null && p.signalCode === null) {
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    await child.exited;
    clearTimeout(timer);
  }
  if (p.pid) removePidfile(child.spec.dataDir, p.pid);
}
