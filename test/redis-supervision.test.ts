import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../cli/config.ts';
import { freePort } from '../core/free-port.ts';
import { REDIS_PIDFILE } from '../core/redis-pidfile.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { eventually } from './helpers/assay.ts';
import { startBackends, type TestBackends } from './helpers/backends.ts';
import { otlpJsonRequest, postTraces } from './helpers/otlp-json.ts';

// `assay start` as real processes with the redis-server child (no redis.url): the child is
// SIGKILLed → restarted (retried while its port is taken), /healthz 503 then 200, and calls still
// get verdicts; a second instance configured with the same redis.port fails clearly instead of
// sharing the first one's queue; after a SIGKILL of Assay its child does not outlive it, and the
// next start runs its own.

let backends: TestBackends;
const children: ChildProcess[] = [];
let redisPort: number;

beforeAll(async () => {
  backends = await startBackends('assay-redis-sup-');
  redisPort = await freePort();
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await backends?.shutdown();
});

interface Instance {
  name: string;
  child: ChildProcess;
  ops: string;
  otlp: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startAssay(name: string, database: string): Promise<Instance> {
  const dataDir = join(backends.dir, name);
  mkdirSync(dataDir, { recursive: true });
  const [ops, otlp] = [await freePort(), await freePort()];
  const configPath = join(dataDir, 'assay.yaml');
  writeFileSync(
    configPath,
    [
      `data_dir: ${dataDir}`,
      'log_level: info',
      `ops:\n  port: ${ops}`,
      `collector:\n  port: ${otlp}\n  route:\n    wait: 300ms`,
      `clickhouse:\n  url: ${backends.clickhouseUrl}\n  password: ${backends.clickhousePassword}\n  database: ${database}`,
      `  writer:\n    flush_interval: 100ms`,
      `redis:\n  port: ${redisPort}`,
      'worker:\n  flush_interval: 100ms',
    ].join('\n'),
  );
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/assay.ts', 'start', '--config', configPath],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    name,
    child,
    ops: `http://127.0.0.1:${ops}`,
    otlp: `http://127.0.0.1:${otlp}`,
    output: () => out,
    exited,
  };
}

const health = async (i: Instance): Promise<number> =>
  (await fetch(`${i.ops}/healthz`).catch(() => undefined))?.status ?? 0;
const waitHealthy = (i: Instance): Promise<true> =>
  eventually(async () => ((await health(i)) === 200 ? true : undefined), 60_000);
const redisPid = (i: Instance): number =>
  Number(readFileSync(join(backends.dir, i.name, 'redis', REDIS_PIDFILE), 'utf8').split(' ')[0]);
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Listens on `port` as soon as the SIGKILLed child has let it go (at most 2 s), so that the
 * supervisor's restart finds it taken. Connections are closed at once: Assay's clients retrying
 * meanwhile must not be left on a socket that never answers.
 */
async function holdPort(port: number): Promise<Server> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const server = createServer((socket) => socket.destroy());
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) return server;
    if (Date.now() > deadline) throw new Error(`port ${port} still taken 2 s after the SIGKILL`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sends `n` calls and waits until each has a verdict in `database`. */
async function verdictsArrive(i: Instance, database: string, n: number): Promise<void> {
  const { body, spanIds } = otlpJsonRequest(Array.from({ length: n }, () => ({ route: '/api/sup' })));
  await eventually(async () => ((await postTraces(i.otlp, body)) === 200 ? true : undefined), 20_000);
  const { clickhouse } = parseConfig({ clickhouse: { password: backends.clickhousePassword } });
  const client = createClickhouseClient(clickhouse, backends.clickhouseUrl);
  try {
    await eventually(async () => {
      const rs = await client.query({
        query: `SELECT count() AS n FROM ${database}.call_verdicts WHERE span_id IN {s:Array(String)}`,
        query_params: { s: spanIds },
        format: 'JSONEachRow',
      });
      const [row] = await rs.json<{ n: string }>();
      return Number(row?.n) === n ? true : undefined;
    }, 60_000);
  } finally {
    await client.close();
  }
}

describe('the redis-server child of assay start', () => {
  let a: Instance;

  it('is restarted after SIGKILL; /healthz is 503 meanwhile, then 200, and the queue keeps working', async () => {
    a = await startAssay('a', 'assay_sup_a');
    await waitHealthy(a);
    await verdictsArrive(a, 'assay_sup_a', 5);
    const first = redisPid(a);
    process.kill(first, 'SIGKILL');
    // The port is held until the restart has failed on it: the supervisor retries, and /healthz
    // says 503 as long as no child runs — seen however slowly this loaded machine polls, where a
    // restart on a free port takes a few hundred milliseconds that polling alone can miss.
    const squatter = await holdPort(redisPort);
    await eventually(
      async () =>
        a.output().includes('redis-server child could not be restarted; retrying') ? true : undefined,
      20_000,
    );
    expect(await health(a)).toBe(503);
    await new Promise((r) => squatter.close(r));
    await waitHealthy(a);
    expect(redisPid(a)).not.toBe(first);
    await verdictsArrive(a, 'assay_sup_a', 5);
    expect(a.output()).toContain('redis-server child restarted');
  });

  it('a second instance with the same redis.port fails clearly instead of sharing the queue', async () => {
    const b = await startAssay('b', 'assay_sup_b');
    expect(await b.exited).not.toBe(0);
    expect(b.output()).toMatch(/redis\.port \d+ on 127\.0\.0\.1 is already in use/);
    // The first instance is untouched and still evaluates.
    expect(await health(a)).toBe(200);
    await verdictsArrive(a, 'assay_sup_a', 3);
  });

  it('after SIGKILL of Assay the child does not outlive it, and the next start runs its own', async () => {
    const orphan = redisPid(a);
    a.child.kill('SIGKILL');
    await a.exited;
    await eventually(async () => (!alive(orphan) ? true : undefined), 10_000);
    const again = await startAssay('a', 'assay_sup_a');
    await waitHealthy(again);
    expect(redisPid(again)).not.toBe(orphan);
    await verdictsArrive(again, 'assay_sup_a', 3);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});
