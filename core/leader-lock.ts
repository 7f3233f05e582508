import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-client.ts';

/** Extends the lock only if we still hold it (compare token, then PEXPIRE) — atomic in Lua. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** A single-active-instance lock (the alerter, the reconciler): `SET key token NX PX ttl`, renewed every tick, released on shutdown. */
export interface LeaderLock {
  /** Takes the lock, or keeps it if held; false when another alerter holds it. */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

export function createLeaderLock(redis: RedisClient, key: string, ttlMs: number): LeaderLock {
  const token = randomUUID();
  let held = false;
  return {
    acquire: async () => {
      if (held && Number(await redis.eval(RENEW, 1, key, token, String(ttlMs))) === 1) return true;
      held = (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK';
      return held;
    },
    release: async () => {
      if (!held) return;
      held = false;
      await redis.eval(RELEASE, 1, key, token);
    },
  };
}
