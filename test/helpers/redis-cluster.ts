import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../core/free-port.ts';
import { redisArgs, waitForAuthPing } from '../../core/redis-child.ts';
import { eventually } from './eventually.ts';

/** A real Redis Cluster on loopback: `redis-server --cluster-enabled yes` ×6, joined by `redis-cli --cluster create`. */
export interface TestRedisCluster {
  /** `host:port` of every node (seed nodes for `redis.cluster.nodes`). */
  nodes: string[];
  /** Every node's `requirepass` (and `masterauth`), generated for this cluster. */
  password: string;
  /** The `host:port` of the master serving `key`'s slot, as the cluster itself reports it. */
  masterOf(key: string): Promise<string>;
  /**
   * `CLUSTER FAILOVER` on a replica of the master serving `key`: the replica catches up, takes
   * over the slots and the old master becomes its replica. Resolves once every node agrees.
   */
  failover(key: string): Promise<{ from: string; to: string }>;
  shutdown(): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * Starts 3 masters with one replica each, all on free loopback ports (client and bus ports),
 * each node's `nodes.conf` in a fresh temporary directory, without persistence, with
 * `maxmemory-policy noeviction` as BullMQ requires, and a short `cluster-node-timeout` so a
 * failed master is replaced within seconds.
 */
export async function startTestRedisCluster(): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'assay-redis-cluster-'));
  const password = randomBytes(24).toString('hex');
  const children: ChildProcess[] = [];
  const nodes: string[] = [];
  const shutdown = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 6; i++) {
      const port = await freePort(HOST);
      const busPort = await freePort(HOST);
      const args = [
        ...redisArgs({ host: HOST, port, dataDir: dir, password, persist: false }),
        '--masterauth',
        password,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-port',
        String(busPort),
        '--cluster-node-timeout',
        '2000',
      ];
      const child = spawn('redis-server', args, { stdio: 'ignore' });
      child.once('error', () => undefined);
      children.push(child);
      nodes.push(`${HOST}:${port}`);
      if (!(await waitForAuthPing({ host: HOST, port, password }, 10_000, new Promise(() => undefined))))
        throw new Error(`redis-server --cluster-enabled did not start on port ${port}`);
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '1', '--cluster-yes'], {
      REDISCLI_AUTH: password,
    });
    await untilSettled(nodes, password);
  } catch (err) {
    await shutdown();
    throw err;
  }

  const connect = (node: string): Redis => {
    const [host, port] = node.split(':') as [string, string];
    const r = new Redis({ host, port: Number(port), password, maxRetriesPerRequest: 2, lazyConnect: false });
    r.on('error', () => undefined);
    return r;
  };
  const withNode = async <T>(node: string, fn: (r: Redis) => Promise<T>): Promise<T> => {
    const r = connect(node);
    try {
      return await fn(r);
    } finally {
      r.disconnect();
    }
  };
  /** [master, replicas] of the slot of `key`, from `CLUSTER SLOTS` on `node`. */
  const slotOwners = (node: string, key: string) =>
    withNode(node, async (r) => {
      const slot = Number(await r.call('CLUSTER', 'KEYSLOT', key));
      const ranges = (await r.call('CLUSTER', 'SLOTS')) as Array<
        [number, number, ...Array<[string, number]>]
      >;
      const range = ranges.find(([lo, hi]) => slot >= lo && slot <= hi);
      const [, , master, ...replicas] = range ?? [];
      if (!master) throw new Error(`slot ${slot} is not served`);
      return { master: `${master[0]}:${master[1]}`, replicas: replicas.map(([h, p]) => `${h}:${p}`) };
    });

  return {
    nodes,
    password,
    masterOf: async (key) => (await slotOwners(nodes[0] as string, key)).master,
    failover: async (key) => {
      const { master, replicas } = await slotOwners(nodes[0] as string, key);
      const replica = replicas[0];
      if (!replica) throw new Error(`the master ${master} has no replica`);
      await withNode(replica, (r) => r.call('CLUSTER', 'FAILOVER'));
      await eventually(async () => {
        const views = await Promise.all(nodes.map((n) => slotOwners(n, key)));
        return views.every((v) => v.master === replica) ? true : undefined;
      }, 30_000);
      await untilSettled(nodes, password);
      return { from: master, to: replica };
    },
    shutdown,
  };
}

/**
 * Waits until every node reports `cluster_state:ok`, knows all six, sees a replica for every slot
 * range, and every replica's link is up.
 */
async function untilSettled(nodes: string[], password: string): Promise<void> {
  await eventually(async () => {
    for (const node of nodes) {
      const [host, port] = node.split(':') as [string, string];
      const r = new Redis({ host, port: Number(port), password, lazyConnect: true, maxRetriesPerRequest: 1 });
      r.on('error', () => undefined);
      try {
        await r.connect();
        const info = String(await r.call('CLUSTER', 'INFO'));
        if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${nodes.length}`))
          return undefined;
        const repl = await r.info('replication');
        if (repl.includes('role:slave') && !repl.includes('master_link_status:up')) return undefined;
        // Every node's view of the slots must already show each master's replica (a replica
        // that just attached is not yet in every node's CLUSTER SLOTS).
        const ranges = (await r.call('CLUSTER', 'SLOTS')) as unknown[][];
        if (ranges.length === 0 || ranges.some((range) => range.length < 4)) return undefined;
      } finally {
        r.disconnect();
      }
    }
    return true;
  }, 60_000);
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${out}`)),
    );
  });
}
