import type { RedisClient } from '../../core/redis-client.ts';
import type { AlertState } from './state.ts';

/** Persists alert states so a restarted (or another) alerter resumes mid-incident. */
export interface StateStore {
  load(): Promise<Map<string, AlertState>>;
  save(changed: readonly AlertState[], removed: readonly string[]): Promise<void>;
}

/** For unit tests and the benchmark. */
export function createMemoryStateStore(): StateStore & { data: Map<string, AlertState> } {
  const data = new Map<string, AlertState>();
  return {
    data,
    load: async () => new Map([...data].map(([k, v]) => [k, structuredClone(v)])),
    save: async (changed, removed) => {
      for (const s of changed) data.set(s.fingerprint, structuredClone(s));
      for (const f of removed) data.delete(f);
    },
  };
}

/** One Redis hash, field = fingerprint, value = the state as JSON; written in one MULTI per tick. */
export function createRedisStateStore(redis: RedisClient, key: string): StateStore {
  return {
    load: async () => {
      const raw = await redis.hgetall(key);
      const out = new Map<string, AlertState>();
      for (const [fp, json] of Object.entries(raw)) {
        try {
          out.set(fp, JSON.parse(json) as AlertState);
        } catch {
          // A field we cannot read would otherwise block every tick; it is rebuilt from data.
        }
      }
      return out;
    },
    save: async (changed, removed) => {
      if (!changed.length && !removed.length) return;
      const tx = redis.multi();
      if (changed.length) tx.hset(key, ...changed.flatMap((s) => [s.fingerprint, JSON.stringify(s)]));
      if (removed.length) tx.hdel(key, ...removed);
      await tx.exec();
    },
  };
}
