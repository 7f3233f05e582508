import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ChainableCommander } from 'ioredis';
import { createRedisClient, type RedisClient, type RedisTarget } from '../../core/redis-client.ts';

/** Entries one collector publishes into a trace (JSON strings, collector/route/join-entries.ts). */
export interface TracePush {
  traceId: string;
  entries: string[];
}

/** One round trip's worth of work for the shared join store. */
export interface ExchangeRequest {
  /** Entries to append, per trace; a trace with no entries is only asked whether others wait in it. */
  push: TracePush[];
  /**
   * Append nothing to a trace another collector waits in (it is in `othersWaiting`): the caller
   * then sends that trace's entries together with its plain spans, so the waiting collector reads
   * them at once, as one request, the way one collector would have seen them.
   */
  deferWaited?: boolean;
  /** Traces this collector now has a call waiting in. */
  join: string[];
  /** Traces it no longer has a call waiting in. */
  leave: string[];
  /** Entries to read, per trace, from the position already read. */
  read: Array<{ traceId: string; from: number }>;
}

export interface ExchangeResult {
  /** Traces of `push` in which another collector has a call waiting. */
  othersWaiting: Set<string>;
  /** Entries not appended: their trace was full. */
  dropped: number;
  /** What was read, per trace. */
  read: Map<string, { from: number; entries: string[] }>;
}

/** Where the collectors meet: the Redis implementation, or an in-memory one in tests. */
export interface JoinStore {
  exchange(req: ExchangeRequest): Promise<ExchangeResult>;
  /** Trace ids other collectors appended to since the last call (for this collector's waiting calls). */
  inbox(max: number): Promise<string[]>;
  shutdown(): Promise<void>;
}

export interface RedisJoinStoreOptions {
  client: RedisClient;
  /** `redis.prefix` (`{assay}` on a cluster: every key in one slot, so one pipeline serves all). */
  prefix: string;
  /** This collector's id in waiter sets and its inbox's name. */
  self: string;
  /** Keys live this long after their last write. */
  ttlMs: number;
  /** Entries a trace holds at most (≤ 4000: a Lua `unpack` bound). */
  maxEntriesPerTrace: number;
}

/**
 * Appends a trace's entries up to its cap (a full trace drops the rest: returned), refreshes the
 * trace's TTL, and tells every other collector waiting in the trace (its `waiters` set) through
 * its inbox. Atomic, so a waiter that joins before reading never misses an entry: either the
 * entry is in what it reads or the trace is in its inbox. With `defer`, a trace others wait in
 * gets nothing (the caller sends it again with more).
 * KEYS: per trace its entry list and its waiter set. ARGV: ttl, cap, self, inbox prefix, defer,
 * then per trace its id, its entry count and the entries.
 */
const PUSH_LUA = `
local ttl, cap, self, inbox, defer = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5] == '1'
local a, out = 6, {}
for k = 1, #KEYS, 2 do
  local trace, n = ARGV[a], tonumber(ARGV[a + 1])
  local first = a + 2
  a = first + n
  local others = {}
  for _, w in ipairs(redis.call('SMEMBERS', KEYS[k + 1])) do
    if w ~= self then others[#others + 1] = w end
  end
  local push = 0
  if n > 0 and not (defer and #others > 0) then
    push = math.max(0, math.min(n, cap - redis.call('LLEN', KEYS[k])))
    if push > 0 then
      redis.call('RPUSH', KEYS[k], unpack(ARGV, first, first + push - 1))
      redis.call('PEXPIRE', KEYS[k], ttl)
      for _, w in ipairs(others) do
        redis.call('SADD', inbox .. w, trace)
        redis.call('PEXPIRE', inbox .. w, ttl)
      end
    end
  end
  out[#out + 1] = #others > 0 and 1 or 0
  if defer and #others > 0 then out[#out + 1] = 0 else out[#out + 1] = n - push end
end
return out
`;

/** Arguments per script call at most (Lua's C stack takes about 8000 for `unpack`). */
const MAX_ARGS = 4000;

/** The pushes in groups of at most {@link MAX_ARGS} entries (one trace's entries never split). */
function chunked(push: TracePush[]): TracePush[][] {
  const out: TracePush[][] = [];
  let cur: TracePush[] = [];
  let n = 0;
  for (const p of push) {
    if (cur.length > 0 && n + p.entries.length + 2 > MAX_ARGS) {
      out.push(cur);
      cur = [];
      n = 0;
    }
    cur.push(p);
    n += p.entries.length + 2;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

type WithPush = { assayJoinPush(numKeys: number, ...args: Array<string | number>): unknown };

/**
 * The shared join store on the queue's Redis (or Redis Cluster): per trace a list of entries and
 * a set of the collectors waiting in it, per collector an inbox of traces with news. Every call
 * is one pipeline: one round trip.
 */
export class RedisJoinStore implements JoinStore {
  private closed = false;

  constructor(private readonly o: RedisJoinStoreOptions) {
    o.client.defineCommand('assayJoinPush', { lua: PUSH_LUA });
  }

  private entriesKey = (traceId: string): string => `${this.o.prefix}:join:t:${traceId}`;
  private waitersKey = (traceId: string): string => `${this.o.prefix}:join:w:${traceId}`;
  private readonly inboxKey = (): string => `${this.o.prefix}:join:inbox:${this.o.self}`;

  async exchange(req: ExchangeRequest): Promise<ExchangeResult> {
    const pipe = this.o.client.pipeline();
    const chunks = chunked(req.push);
    for (const chunk of chunks) this.addPush(pipe, chunk, req.deferWaited === true);
    for (const t of req.join) {
      pipe.sadd(this.waitersKey(t), this.o.self);
      pipe.pexpire(this.waitersKey(t), this.o.ttlMs);
    }
    for (const t of req.leave) pipe.srem(this.waitersKey(t), this.o.self);
    for (const r of req.read) pipe.lrange(this.entriesKey(r.traceId), r.from, -1);
    const replies = (await pipe.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const result: ExchangeResult = { othersWaiting: new Set(), dropped: 0, read: new Map() };
    let i = 0;
    for (const chunk of chunks) {
      const flags = (replies[i++]?.[1] ?? []) as number[];
      chunk.forEach((p, j) => {
        if (flags[2 * j] === 1) result.othersWaiting.add(p.traceId);
        result.dropped += flags[2 * j + 1] ?? 0;
      });
    }
    i += req.join.length * 2 + req.leave.length;
    for (const r of req.read) {
      const entries = (replies[i++]?.[1] ?? []) as string[];
      result.read.set(r.traceId, { from: r.from, entries });
    }
    return result;
  }

  async inbox(max: number): Promise<string[]> {
    return (await this.o.client.spop(this.inboxKey(), max)) ?? [];
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.o.client.quit().catch(() => this.o.client.disconnect());
  }

  private addPush(pipe: ChainableCommander, push: TracePush[], defer: boolean): void {
    const keys: string[] = [];
    const args: Array<string | number> = [
      this.o.ttlMs,
      this.o.maxEntriesPerTrace,
      this.o.self,
      `${this.o.prefix}:join:inbox:`,
      defer ? 1 : 0,
    ];
    for (const p of push) {
      keys.push(this.entriesKey(p.traceId), this.waitersKey(p.traceId));
      args.push(p.traceId, p.entries.length, ...p.entries);
    }
    (pipe as unknown as WithPush).assayJoinPush(keys.length, ...keys, ...args);
  }
}

/**
 * The store on the `redis` section's server or cluster, on a connection of its own that fails
 * commands at once while Redis is away (the calls then go on with local knowledge) instead of
 * queueing them. Resolves once connected, or after `timeoutMs` when Redis does not answer (it
 * keeps reconnecting; until then every round trip fails, counted).
 */
export async function openRedisJoinStore(
  target: RedisTarget,
  o: Omit<RedisJoinStoreOptions, 'client' | 'self'> & { timeoutMs: number },
): Promise<RedisJoinStore> {
  const client = createRedisClient(target, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: Math.max(1000, o.timeoutMs),
  });
  client.on('error', () => undefined);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(1000, o.timeoutMs * 4));
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return new RedisJoinStore({
    ...o,
    client,
    self: `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
  });
}
