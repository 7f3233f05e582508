import { z } from 'zod';
import type { RedisClient } from '../../core/redis-client.ts';

const cursorSchema = z
  .object({
    service: z.string(),
    provider: z.string(),
    route: z.string(),
    model: z.string(),
    ts: z.number(),
    trace_id: z.string(),
    span_id: z.string(),
  })
  .strict();

/**
 * What a re-evaluation run keeps in Redis so that `assay evaluate` run again with the same
 * arguments resumes where it stopped: its absolute time range (fixed at the first start, so a
 * relative `--since 7d` does not move), the keyset cursor up to which every call's job has
 * finished, and the counts behind the progress bar.
 */
export const runStateSchema = z
  .object({
    v: z.literal(1),
    from_ms: z.number(),
    to_ms: z.number(),
    /** Calls selected at the first start. */
    total: z.number().int().nonnegative(),
    /** Calls up to `cursor` whose jobs have finished (completed, failed, or gone from the queue). */
    done: z.number().int().nonnegative(),
    /** Of those, jobs BullMQ failed (given up). */
    failed: z.number().int().nonnegative(),
    cursor: cursorSchema.nullable(),
    finished: z.boolean(),
    started_at: z.number(),
    updated_at: z.number(),
  })
  .strict();

export type RunState = z.output<typeof runStateSchema>;

/** Where runs are kept; `createRedisRunStore` in production, a Map in unit tests. */
export interface RunStore {
  load(runId: string): Promise<RunState | undefined>;
  save(runId: string, state: RunState): Promise<void>;
  remove(runId: string): Promise<void>;
}

/** A finished or abandoned run's state is kept this long (then a new run starts from scratch). */
const STATE_TTL_S = 30 * 86_400;

/** A state that does not parse (written by another version) is an error, never silently restarted. */
export class RunStateError extends Error {
  override name = 'RunStateError';
}

/** One Redis string per run under the queue's prefix (so it lands in the `{assay}` slot on a cluster). */
export function createRedisRunStore(redis: RedisClient, prefix: string): RunStore {
  const key = (runId: string) => `${prefix}:rerun:${runId}`;
  return {
    async load(runId) {
      const raw = await redis.get(key(runId));
      if (raw === null) return undefined;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        throw new RunStateError(
          `run ${runId}: stored state is not JSON (delete ${key(runId)} or use --restart)`,
        );
      }
      const parsed = runStateSchema.safeParse(json);
      if (!parsed.success)
        throw new RunStateError(
          `run ${runId}: stored state is invalid (${parsed.error.issues[0]?.message ?? ''}); use --restart`,
        );
      return parsed.data;
    },
    async save(runId, state) {
      await redis.set(key(runId), JSON.stringify(state), 'EX', STATE_TTL_S);
    },
    async remove(runId) {
      await redis.del(key(runId));
    },
  };
}

/** An in-memory store (tests, and `--dry-run`, which must not write). */
export function createMemoryRunStore(): RunStore & { states: Map<string, RunState> } {
  const states = new Map<string, RunState>();
  return {
    states,
    load: async (id) => states.get(id),
    save: async (id, s) => void states.set(id, structuredClone(s)),
    remove: async (id) => void states.delete(id),
  };
}
