import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisJoinStore, type RedisJoinStore } from '../collector/route/redis-join-store.ts';
import { startTestRedisCluster, type TestRedisCluster } from './helpers/redis-cluster.ts';

// The shared join store on a real Redis Cluster (3 masters, 3 replicas) under the `{assay}` hash
// tag: every key of an exchange (the traces' lists and waiter sets, the inbox the script names)
// is in one slot, so one script call serves many traces.

let cluster: TestRedisCluster;
const stores: RedisJoinStore[] = [];

beforeAll(async () => {
  cluster = await startTestRedisCluster();
}, 60_000);

afterAll(async () => {
  for (const s of stores) await s.shutdown();
  await cluster?.shutdown();
});

describe('the join store on Redis Cluster', () => {
  it('publishes, notifies and reads across many traces in one exchange', async () => {
    const open = async (): Promise<RedisJoinStore> => {
      const s = await openRedisJoinStore(
        { cluster: { nodes: cluster.nodes }, password: cluster.password },
        { prefix: '{assay}', ttlMs: 5000, maxEntriesPerTrace: 1000, timeoutMs: 1000 },
      );
      stores.push(s);
      return s;
    };
    const [a, b] = [await open(), await open()];
    const traces = Array.from({ length: 50 }, (_, i) => i.toString(16).padStart(32, '0'));
    const none = { push: [], join: [], leave: [], read: [] };
    await a.exchange({ ...none, join: traces, read: traces.map((traceId) => ({ traceId, from: 0 })) });
    const pushed = await b.exchange({
      ...none,
      push: traces.map((traceId) => ({ traceId, entries: [`node-${traceId}`] })),
    });
    expect(pushed.othersWaiting.size).toBe(50);
    expect((await a.inbox(1000)).sort()).toEqual([...traces].sort());
    const read = await a.exchange({ ...none, read: traces.map((traceId) => ({ traceId, from: 0 })) });
    expect(traces.map((t) => read.read.get(t)?.entries)).toEqual(traces.map((t) => [`node-${t}`]));
  });
});
