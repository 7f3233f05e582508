import type { RedisClient } from '../../core/redis-client.ts';
import type { SpendLedger } from './types.ts';

const HOUR_MS = 3_600_000;

/** The clock hour a spend is booked in (hours since the epoch, UTC). */
export const hourBucket = (now: number): number => Math.floor(now / HOUR_MS);

/** An in-process ledger for tests and single-process runs. */
export function createMemorySpendLedger(now: () => number = Date.now): SpendLedger {
  const hours = new Map<string, { tokens: number; usd: number }>();
  const key = (judge: string): string => `${judge}:${hourBucket(now())}`;
  return {
    spentThisHour: async (judge) => ({ ...(hours.get(key(judge)) ?? { tokens: 0, usd: 0 }) }),
    add: async (judge, tokens, usd) => {
      const k = key(judge);
      const cur = hours.get(k) ?? { tokens: 0, usd: 0 };
      hours.set(k, { tokens: cur.tokens + tokens, usd: cur.usd + usd });
    },
  };
}

/**
 * The ledger shared by all workers: per judge per clock hour, `INCRBY` tokens and `INCRBYFLOAT`
 * USD on two keys that expire after two hours (the previous hour is kept only for inspection).
 */
export function createRedisSpendLedger(
  redis: RedisClient,
  prefix: string,
  now: () => number = Date.now,
): SpendLedger {
  const keys = (judge: string): [string, string] => {
    const base = `${prefix}:judge-spend:${judge}:${hourBucket(now())}`;
    return [`${base}:tokens`, `${base}:usd`];
  };
  return {
    spentThisHour: async (judge) => {
      const [tokens, usd] = await redis.mget(...keys(judge));
      return { tokens: Number(tokens ?? 0) || 0, usd: Number(usd ?? 0) || 0 };
    },
    add: async (judge, tokens, usd) => {
      const [tk, uk] = keys(judge);
      await redis
        .multi()
        .incrby(tk, Math.round(tokens))
        .incrbyfloat(uk, usd)
        .pexpire(tk, 2 * HOUR_MS)
        .pexpire(uk, 2 * HOUR_MS)
        .exec();
    },
  };
}

/** The hourly cap over all judge endpoints; either limit may be absent. */
export interface SpendCap {
  max_usd_per_hour?: number | undefined;
  max_tokens_per_hour?: number | undefined;
}

/** True when this hour's spend over all `judges` has reached the cap. */
export async function overSpendCap(
  ledger: SpendLedger,
  judges: readonly string[],
  cap: SpendCap,
): Promise<boolean> {
  if (cap.max_usd_per_hour === undefined && cap.max_tokens_per_hour === undefined) return false;
  const spent = await Promise.all(judges.map((j) => ledger.spentThisHour(j)));
  const tokens = spent.reduce((s, x) => s + x.tokens, 0);
  const usd = spent.reduce((s, x) => s + x.usd, 0);
  return (
    (cap.max_tokens_per_hour !== undefined && tokens >= cap.max_tokens_per_hour) ||
    (cap.max_usd_per_hour !== undefined && usd >= cap.max_usd_per_hour)
  );
}
