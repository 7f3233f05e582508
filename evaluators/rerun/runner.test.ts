import { describe, expect, it } from 'vitest';
import type { EvalJob } from '../../core/eval-job.ts';
import { createMemoryRunStore } from './run-state.ts';
import {
  runRerun,
  type FinishedState,
  type RerunPlan,
  type RerunProgress,
  type RerunQueue,
} from './runner.ts';
import type { CallCursor, SelectedCall } from './selection.ts';

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');

const CALLS: SelectedCall[] = Array.from({ length: 45 }, (_, i) => ({
  service: 'shop',
  provider: i < 20 ? 'anthropic' : 'openai',
  route: '/chat',
  model: 'm',
  ts: 1_000 + i,
  trace_id: hex(i + 1, 32),
  span_id: hex(i + 1, 16),
}));

/** The keyset order of `llm_calls` (service, provider, route, model, timestamp, trace id, span id). */
function after(c: SelectedCall, k: CallCursor): boolean {
  const a = [c.service, c.provider, c.route, c.model, c.ts, c.trace_id, c.span_id];
  const b = [k.service, k.provider, k.route, k.model, k.ts, k.trace_id, k.span_id];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as string) > (b[i] as string);
  return false;
}

const source = {
  readPage: async (cursor: CallCursor | undefined, limit: number) =>
    CALLS.filter((c) => !cursor || after(c, cursor)).slice(0, limit),
  count: async () => CALLS.length,
};

/** A queue whose "worker" finishes every waiting job when polled, and records what it scored. */
function fakeQueue(opts: { depth?: () => number } = {}) {
  const jobs = new Map<string, { data: EvalJob; state: 'waiting' | FinishedState }>();
  const added: string[] = [];
  const scored: string[] = [];
  const queue: RerunQueue = {
    add: async (list) => {
      for (const j of list) {
        added.push(j.id);
        if (!jobs.has(j.id)) jobs.set(j.id, { data: j.data, state: 'waiting' });
      }
    },
    finished: async (ids) => {
      const out = new Map<string, FinishedState>();
      for (const id of ids) {
        const j = jobs.get(id);
        if (!j) continue;
        if (j.state === 'waiting') {
          j.state = 'completed';
          scored.push(id);
        }
        out.set(id, j.state);
      }
      return out;
    },
    depth: async () => opts.depth?.() ?? 0,
  };
  return { queue, jobs, added, scored };
}

const plan: RerunPlan = {
  runId: 'run1',
  setKey: 'abc123',
  evaluators: ['refusal'],
  selection: { fromMs: 0, toMs: 10_000, where: {} },
  judgeMark: () => ({ judge: false, judge_probability: 0 }),
};
const opts = { pageSize: 10, maxQueueDepth: 1000, maxPagesInFlight: 2, pollMs: 1 };

describe('runRerun', () => {
  it('queues every selected call once, as a weight-1 re-evaluation job of the set, and finishes', async () => {
    const q = fakeQueue();
    const store = createMemoryRunStore();
    const r = await runRerun({ source, queue: q.queue, store }, plan, opts);
    expect(r).toMatchObject({ alreadyFinished: false, stopped: false });
    expect(r.state).toMatchObject({ finished: true, done: 45, total: 45, failed: 0 });
    expect(new Set(q.added).size).toBe(45);
    expect(q.added).toHaveLength(45);
    const first = q.jobs.get(`re-abc123-${hex(1, 32)}-${hex(1, 16)}`);
    expect(first?.data).toMatchObject({
      probability: 1,
      timestamp: 1000,
      rerun: { evaluators: ['refusal'] },
    });
  });

  it('stopped halfway and run again, resumes after the saved cursor: no call scored twice, a third run queues nothing', async () => {
    const q = fakeQueue();
    const store = createMemoryRunStore();
    const abort = new AbortController();
    const seen: RerunProgress[] = [];
    const first = await runRerun({ source, queue: q.queue, store }, plan, {
      ...opts,
      signal: abort.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.done >= 20) abort.abort();
      },
    });
    expect(first.stopped).toBe(true);
    const saved = store.states.get('run1');
    expect(saved?.finished).toBe(false);
    expect(saved?.done).toBeGreaterThanOrEqual(20);
    expect(saved?.done).toBeLessThan(45);

    const second = await runRerun({ source, queue: q.queue, store }, plan, opts);
    expect(second.state).toMatchObject({ finished: true, done: 45 });
    // Pages in flight at the stop are queued again; their ids are known, so nothing is scored twice.
    expect(q.scored).toHaveLength(45);
    expect(new Set(q.scored).size).toBe(45);
    expect(q.added.length - 45).toBeLessThanOrEqual(opts.pageSize * opts.maxPagesInFlight);

    const addsBefore = q.added.length;
    const third = await runRerun({ source, queue: q.queue, store }, plan, opts);
    expect(third.alreadyFinished).toBe(true);
    expect(q.added).toHaveLength(addsBefore);
  });

  it('a resumed run keeps the range it started with', async () => {
    const store = createMemoryRunStore();
    const abort = new AbortController();
    abort.abort();
    await runRerun({ source, queue: fakeQueue().queue, store }, plan, { ...opts, signal: abort.signal });
    const moved = { ...plan, selection: { fromMs: 5, toMs: 99, where: {} } };
    await runRerun({ source, queue: fakeQueue().queue, store }, moved, opts);
    expect(store.states.get('run1')).toMatchObject({ from_ms: 0, to_ms: 10_000, finished: true });
  });

  it('queues no page while the queue is deeper than the limit', async () => {
    let depth = 5000;
    const q = fakeQueue({ depth: () => depth });
    const progress: number[] = [];
    const r = runRerun({ source, queue: q.queue, store: createMemoryRunStore() }, plan, {
      ...opts,
      onProgress: (p) => {
        progress.push(p.done);
        if (progress.length === 5) {
          expect(q.added).toHaveLength(0);
          depth = 0;
        }
      },
    });
    await expect(r).resolves.toMatchObject({ state: { finished: true, done: 45 } });
    expect(progress.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
  });

  it('counts jobs the worker gave up as failed', async () => {
    const q = fakeQueue();
    const id = `re-abc123-${hex(3, 32)}-${hex(3, 16)}`;
    q.jobs.set(id, { data: {} as EvalJob, state: 'failed' });
    const r = await runRerun({ source, queue: q.queue, store: createMemoryRunStore() }, plan, opts);
    expect(r.state).toMatchObject({ finished: true, done: 45, failed: 1 });
  });

  it('counts a call whose key cannot make a job as failed, without queueing it', async () => {
    const q = fakeQueue();
    const bad = { ...source, readPage: async () => [{ ...CALLS[0], trace_id: 'not-hex' } as SelectedCall] };
    const r = await runRerun({ source: bad, queue: q.queue, store: createMemoryRunStore() }, plan, opts);
    expect(r.state).toMatchObject({ finished: true, done: 1, failed: 1 });
    expect(q.added).toHaveLength(0);
  });
});
