import type { ExchangeRequest, ExchangeResult, JoinStore } from './redis-join-store.ts';

/**
 * The shared join store held in this process: what {@link RedisJoinStore}'s keys and script do,
 * for tests of several pipelines side by side (no TTLs: a test ends first).
 */
export class MemoryJoinHub {
  private readonly lists = new Map<string, string[]>();
  private readonly waiters = new Map<string, Set<string>>();
  private readonly inboxes = new Map<string, Set<string>>();

  constructor(private readonly maxEntriesPerTrace = 1000) {}

  /** The store as collector `self` sees it. */
  store(self: string): JoinStore {
    return {
      exchange: (req) => Promise.resolve(this.exchange(self, req)),
      inbox: (max) => {
        const box = [...(this.inboxes.get(self) ?? [])].slice(0, max);
        for (const t of box) this.inboxes.get(self)?.delete(t);
        return Promise.resolve(box);
      },
      shutdown: () => Promise.resolve(),
    };
  }

  /** In the script's order: joins and leaves, reads, then pushes (a collector does not read back its own). */
  private exchange(self: string, req: ExchangeRequest): ExchangeResult {
    const result: ExchangeResult = { othersWaiting: new Set(), dropped: 0, read: new Map() };
    for (const t of req.join) this.waiters.set(t, (this.waiters.get(t) ?? new Set()).add(self));
    for (const t of req.leave) this.waiters.get(t)?.delete(self);
    for (const r of req.read)
      result.read.set(r.traceId, { from: r.from, entries: (this.lists.get(r.traceId) ?? []).slice(r.from) });
    for (const p of req.push) {
      const others = [...(this.waiters.get(p.traceId) ?? [])].filter((w) => w !== self);
      if (others.length > 0) result.othersWaiting.add(p.traceId);
      if (p.entries.length === 0 || (req.deferWaited && others.length > 0)) continue;
      const list = this.lists.get(p.traceId) ?? [];
      const push = p.entries.slice(0, Math.max(0, this.maxEntriesPerTrace - list.length));
      result.dropped += p.entries.length - push.length;
      list.push(...push);
      this.lists.set(p.traceId, list);
      if (push.length > 0)
        for (const w of others) this.inboxes.set(w, (this.inboxes.get(w) ?? new Set()).add(p.traceId));
    }
    return result;
  }
}
