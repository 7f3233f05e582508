import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisJoinStore, type RedisJoinStore } from '../collector/route/redis-join-store.ts';
import { startTestRedis } from './helpers/redis.ts';

// The shared join store's script on a real redis-server: what a waiting collector reads, what its
// inbox tells it, the per-trace cap, the TTLs, and a Redis that went away.

const PREFIX = 'joinstore';
const TTL = 5000;
let redis: Awaited<ReturnType<typeof startTestRedis>>;
let raw: Redis;
const stores: RedisJoinStore[] = [];

const open = async (maxEntriesPerTrace = 1000): Promise<RedisJoinStore> => {
  const s = await openRedisJoinStore(redis.url, {
    prefix: PREFIX,
    ttlMs: TTL,
    maxEntriesPerTrace,
    timeoutMs: 500,
  });
  stores.push(s);
  return s;
};
const none = { push: [], join: [], leave: [], read: [] };

beforeAll(async () => {
  redis = await startTestRedis();
  raw = new Redis(redis.url);
});

afterAll(async () => {
  for (const s of stores) await s.shutdown();
  raw?.disconnect();
  await redis?.shutdown();
});

describe('the Redis join store', () => {
  it('tells a waiting collector what another one published, once, and not what it published itself', async () => {
    const [a, b] = [await open(), await open()];
    const t = 'aa'.repeat(16);
    // a waits in the trace and publishes a hint of its own: it reads nothing back.
    const first = await a.exchange({
      ...none,
      join: [t],
      read: [{ traceId: t, from: 0 }],
      push: [{ traceId: t, entries: ['a1'] }],
    });
    expect(first.read.get(t)?.entries).toEqual([]);
    expect(first.othersWaiting.size).toBe(0);
    // b publishes: a is waiting, so its inbox names the trace.
    const pushed = await b.exchange({ ...none, push: [{ traceId: t, entries: ['b1', 'b2'] }] });
    expect([...pushed.othersWaiting]).toEqual([t]);
    expect(await a.inbox(100)).toEqual([t]);
    expect(await a.inbox(100)).toEqual([]);
    const read = await a.exchange({ ...none, read: [{ traceId: t, from: 1 }] });
    expect(read.read.get(t)?.entries).toEqual(['b1', 'b2']);
    // Deferred: nothing appended while another collector waits; b sends it again with more.
    const deferred = await b.exchange({
      ...none,
      push: [{ traceId: t, entries: ['b3'] }],
      deferWaited: true,
    });
    expect([...deferred.othersWaiting]).toEqual([t]);
    expect(await raw.lrange(`${PREFIX}:join:t:${t}`, 0, -1)).toEqual(['a1', 'b1', 'b2']);
    // Once a leaves, b's pushes go to nobody's inbox.
    await a.exchange({ ...none, leave: [t] });
    const after = await b.exchange({ ...none, push: [{ traceId: t, entries: ['b4'] }] });
    expect(after.othersWaiting.size).toBe(0);
    expect(await a.inbox(100)).toEqual([]);
    const ttl = await raw.pttl(`${PREFIX}:join:t:${t}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(TTL);
  });

  it('holds at most max_entries_per_trace entries and reports the rest as dropped', async () => {
    const s = await open(16);
    const t = 'bb'.repeat(16);
    const entries = Array.from({ length: 20 }, (_, i) => `e${i}`);
    expect((await s.exchange({ ...none, push: [{ traceId: t, entries }] })).dropped).toBe(4);
    expect((await s.exchange({ ...none, push: [{ traceId: t, entries: ['more'] }] })).dropped).toBe(1);
    expect(await raw.llen(`${PREFIX}:join:t:${t}`)).toBe(16);
  });

  it('fails at once, not after a queue, while Redis is away', async () => {
    const s = await open();
    await redis.shutdown();
    await expect(s.exchange({ ...none, read: [{ traceId: 'cc'.repeat(16), from: 0 }] })).rejects.toThrow();
    await expect(s.inbox(10)).rejects.toThrow();
  });
});
