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
 * Everything one exchange does to a trace, atomically and in this order: joins or leaves its
 * waiter set, reads its entries from a position, appends entries up to its cap (a full trace
 * drops the rest: returned), refreshes its TTL, and puts it in the inbox of every other collector
 * waiting in it. Join before read and atomic pushes: a waiter never misses an entry (it is in what
 * it reads, or the trace is in its inbox); read before push: a collector does not read back what it
 * appends. With `defer`, a trace others wait in gets nothing (the caller sends it again with more).
 * KEYS: per trace its entry list and its waiter set. ARGV: ttl, cap, self, inbox prefix, defer,
 * then per trace its id, its op (1 join, 2 leave, 0 neither), the read position (-1: no read),
 * its entry count and the entries. Returns per trace: others waiting (0/1), dropped, entries read.
 */
const EXCHANGE_LUA = `
local ttl, cap, self, inbox, defer = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5] == '1'
local a, out = 6, {}
for k = 1, #KEYS, 2 do
  local trace, op, from, n = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local first = a + 4
  a = first + n
  if op == '1' then
    redis.call('SADD', KEYS[k + 1], self)
    redis.call('PEXPIRE', KEYS[k + 1], ttl)
  elseif op == '2' then
    redis.call('SREM', KEYS[k + 1], self)
  end
  local read = {}
  if from >= 0 then read = redis.call('LRANGE', KEYS[k], from, -1) end
  local others = {}
  for _, w in ipairs(redis.call('SMEMBERS', KEYS[k + 1])) do
    if w ~= self then others[#others + 1] = w end
  end
  local push, dropped = 0, 0
  if n > 0 and not (defer and #others > 0) then
    push = math.max(0, math.min(n, cap - redis.call('LLEN', KEYS[k])))
    dropped = n - push
    if push > 0 then
      redis.call('RPUSH', KEYS[k], unpack(ARGV, first, first + push - 1))
      redis.call('PEXPIRE', KEYS[k], ttl)
      for _, w in ipairs(others) do
        redis.call('SADD', inbox .. w, trace)
        redis.call('PEXPIRE', inbox .. w, ttl)
      end
    end
  end
  out[#out + 1] = {#others > 0 and 1 or 0, dropped, read}
end
return out
`;

/** Arguments per script call at most (Lua's C stack takes about 8000 for `unpack`). */
const MAX_ARGS = 4000;

/** What one exchange does to one trace. */
interface TraceOp {
  traceId: string;
  /** 1 join, 2 leave, 0 neither. */
  op: 0 | 1 | 2;
  /** Read position, -1: no read. */
  from: number;
  entries: string[];
  /** Asked whether others wait (a push, even of nothing). */
  pushed: boolean;
}

function traceOps(req: ExchangeRequest): TraceOp[] {
  const ops = new Map<string, TraceOp>();
  const get = (traceId: string): TraceOp => {
    let o = ops.get(traceId);
    if (!o) ops.set(traceId, (o = { traceId, op: 0, from: -1, entries: [], pushed: false }));
    return o;
  };
  for (const t of req.join) get(t).op = 1;
  for (const t of req.leave) get(t).op = 2;
  for (const r of req.read) get(r.traceId).from = r.from;
  for (const p of req.push) {
    const o = get(p.traceId);
    o.pushed = true;
    o.entries.push(...p.entries);
  }
  return [...ops.values()];
}

/** The traces in groups of at most {@link MAX_ARGS} arguments (one trace's entries never split). */
function chunked(ops: TraceOp[]): TraceOp[][] {
  const out: TraceOp[][] = [];
  let cur: TraceOp[] = [];
  let n = 0;
  for (const o of ops) {
    if (cur.length > 0 && n + o.entries.length + 4 > MAX_ARGS) {
      out.push(cur);
      cur = [];
      n = 0;
    }
    cur.push(o);
    n += o.entries.length + 4;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

type WithExchange = { assayJoinExchange(numKeys: number, ...args: Array<string | number>): unknown };
type TraceReply = [number, number, string[]];

/**
 * The shared join store on the queue's Redis (or Redis Cluster): per trace a list of entries and
 * a set of the collectors waiting in it, per collector an inbox of traces with news. An exchange
 * is one script call (more only past {@link MAX_ARGS}), in one pipeline: one round trip.
 */
export class RedisJoinStore implements JoinStore {
  private closed = false;

  constructor(private readonly o: RedisJoinStoreOptions) {
    o.client.defineCommand('assayJoinExchange', { lua: EXCHANGE_LUA });
  }

  private entriesKey = (traceId: string): string => `${this.o.prefix}:join:t:${traceId}`;
  private waitersKey = (traceId: string): string => `${this.o.prefix}:join:w:${traceId}`;
  private readonly inboxKey = (): string => `${this.o.prefix}:join:inbox:${this.o.self}`;

  async exchange(req: ExchangeRequest): Promise<ExchangeResult> {
    const chunks = chunked(traceOps(req));
    const pipe = this.o.client.pipeline();
    for (const chunk of chunks) this.addExchange(pipe, chunk, req.deferWaited === true);
    const replies = (await pipe.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const result: ExchangeResult = { othersWaiting: new Set(), dropped: 0, read: new Map() };
    chunks.forEach((chunk, i) => {
      const perTrace = (replies[i]?.[1] ?? []) as TraceReply[];
      chunk.forEach((o, j) => {
        const [others, dropped, read] = perTrace[j] ?? [0, 0, []];
        if (o.pushed && others === 1) result.othersWaiting.add(o.traceId);
        result.dropped += dropped;
        if (o.from >= 0) result.read.set(o.traceId, { from: o.from, entries: read });
      });
    });
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

  private addExchange(pipe: ChainableCommander, ops: TraceOp[], defer: boolean): void {
    const keys: string[] = [];
    const args: Array<string | number> = [
      this.o.ttlMs,
      this.o.maxEntriesPerTrace,
      this.o.self,
      `${this.o.prefix}:join:inbox:`,
      defer ? 1 : 0,
    ];
    for (const o of ops) {
      keys.push(this.entriesKey(o.traceId), this.waitersKey(o.traceId));
      args.push(o.traceId, o.op, o.from, o.entries.length);
      for (const e of o.entries) args.push(e);
    }
    (pipe as unknown as WithExchange).assayJoinExchange(keys.length, ...keys, ...args);
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
