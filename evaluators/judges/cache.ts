import { createHash } from 'node:crypto';
import type { RedisClient } from '../../core/redis-client.ts';
import { z } from 'zod';
import type { JudgeCache, JudgeScore } from './types.ts';

/**
 * The cache key: sha256 over (rubric version, judge model, sha256 of the exact redacted text
 * sent). A new rubric version or model is a new key; so is any change of the input.
 */
export function judgeCacheKey(rubricVersion: string, model: string, content: string): string {
  const contentHash = createHash('sha256').update(content).digest('hex');
  return createHash('sha256').update(`${rubricVersion}\0${model}\0${contentHash}`).digest('hex');
}

/** An in-process cache for tests and single-process runs; entries expire lazily. */
export function createMemoryJudgeCache(now: () => number = Date.now): JudgeCache {
  const entries = new Map<string, { value: JudgeScore; expires: number }>();
  return {
    get: async (key) => {
      const e = entries.get(key);
      if (!e) return undefined;
      if (e.expires <= now()) {
        entries.delete(key);
        return undefined;
      }
      return e.value;
    },
    set: async (key, value, ttlMs) => {
      entries.set(key, { value, expires: now() + ttlMs });
    },
  };
}

const cachedScoreSchema = z.object({
  evaluator: z.string(),
  version: z.string(),
  score: z.number(),
  passed: z.boolean(),
  reason: z.string(),
  judge_model: z.string(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cost_usd: z.number(),
});

/**
 * The shared cache in Redis: one string per key with a TTL (`SET … PX`). An entry that does not
 * parse (written by an older version) counts as a miss.
 */
export function createRedisJudgeCache(redis: RedisClient, prefix: string): JudgeCache {
  const k = (key: string): string => `${prefix}:judge-cache:${key}`;
  return {
    get: async (key) => {
      const raw = await redis.get(k(key));
      if (raw === null) return undefined;
      try {
        const parsed = cachedScoreSchema.safeParse(JSON.parse(raw));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined;
      }
    },
    set: async (key, value, ttlMs) => {
      await redis.set(k(key), JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlMs)));
    },
  };
}
