import { evalJobSchema, rerunJobId, type EvalJob } from '../../core/eval-job.ts';
import { counter } from '../../core/metrics.ts';
import { sleep } from '../../core/retry.ts';
import type { RunState, RunStore } from './run-state.ts';
import type { CallCursor, RerunSelection, SelectedCall } from './selection.ts';

/** Where the selected calls come from (`llm_calls` through `selection.ts`; an array in unit tests). */
export interface RerunSource {
  /** The next `limit` calls after `cursor` in key order. */
  readPage(cursor: CallCursor | undefined, limit: number): Promise<SelectedCall[]>;
  /** How many calls the selection holds now. */
  count(): Promise<number>;
}

/** A finished job's state as the runner sees it; anything else is still pending. */
export type FinishedState = 'completed' | 'failed' | 'gone';

/** The queue side (BullMQ in `queue.ts`; an in-memory fake in unit tests). */
export interface RerunQueue {
  /** Adds jobs by id; an id already in the queue (waiting, active, completed, failed) is left as it is. */
  add(jobs: ReadonlyArray<{ id: string; data: EvalJob }>): Promise<void>;
  /** The finished ones among `ids`; ids not in the map are pending. */
  finished(ids: readonly string[]): Promise<Map<string, FinishedState>>;
  /** Jobs not finished, over the whole queue (live traffic included). */
  depth(): Promise<number>;
}

/** What a run re-scores: its id, the evaluator set, the calls, and the judge mark per call. */
export interface RerunPlan {
  /** Hash of the run's arguments: the key of its persisted state. */
  runId: string;
  /** Hash of the evaluator set (ids and versions): part of every job id. */
  setKey: string;
  /** Evaluators whose rows are kept; [] keeps every evaluator. */
  evaluators: string[];
  /** Used on the run's first start; a resumed run keeps the range it started with. */
  selection: RerunSelection;
  /** Whether the call is marked for judging, and with what probability (the sampler's rule for its stratum). */
  judgeMark: (call: SelectedCall) => { judge: boolean; judge_probability: number };
}

export interface RerunOptions {
  /** Calls read and queued per page. */
  pageSize: number;
  /** No page is queued while the queue holds this many unfinished jobs (live ones included). */
  maxQueueDepth: number;
  /** Pages queued and not yet finished, at most. */
  maxPagesInFlight: number;
  /** How often job states are polled, ms. */
  pollMs: number;
  onProgress?: (p: RerunProgress) => void;
  /** Stops the run between polls (its state stays saved; run again to resume). */
  signal?: AbortSignal;
  now?: () => number;
}

export interface RerunProgress {
  total: number;
  /** Calls whose jobs finished, this run and before. */
  done: number;
  failed: number;
  /** `done` when this process started (the part a resumed run found finished). */
  resumedFrom: number;
}

export interface RerunResult {
  state: RunState;
  /** The run had finished before this start: nothing was queued. */
  alreadyFinished: boolean;
  /** Stopped by the signal before the end. */
  stopped: boolean;
}

const jobsCounter = counter({
  name: 'assay_rerun_jobs_total',
  help: 'Re-evaluation (assay evaluate) calls by outcome: queued, completed, failed (given up by the worker), invalid (key not valid for a job, not queued)',
  labelNames: ['outcome'],
});

interface Page {
  pending: Set<string>;
  end: CallCursor;
  size: number;
  failed: number;
}

/**
 * Runs (or resumes) a re-evaluation: reads the selected calls page by page in `llm_calls`
 * key order, queues each page with ids derived from (evaluator set, call) — so re-queueing a page
 * after a crash, or a second run of the same versions, adds nothing — waits while the queue is
 * deep, and persists the cursor up to which every job has finished. Killed at any point, a
 * re-run re-queues at most `maxPagesInFlight` pages, whose finished jobs BullMQ recognises by id
 * (and whose rows, if their jobs were already removed, the score writer's dedupe drops).
 */
export async function runRerun(
  deps: { source: RerunSource; queue: RerunQueue; store: RunStore },
  plan: RerunPlan,
  opts: RerunOptions,
): Promise<RerunResult> {
  const now = opts.now ?? Date.now;
  let state = await deps.store.load(plan.runId);
  if (state?.finished) return { state, alreadyFinished: true, stopped: false };
  if (!state) {
    const t = now();
    state = {
      v: 1,
      from_ms: plan.selection.fromMs,
      to_ms: plan.selection.toMs,
      total: await deps.source.count(),
      done: 0,
      failed: 0,
      cursor: null,
      finished: false,
      started_at: t,
      updated_at: t,
    };
    await deps.store.save(plan.runId, state);
  }
  const resumedFrom = state.done;
  const pages: Page[] = [];
  let cursor: CallCursor | undefined = state.cursor ?? undefined;
  let exhausted = false;
  for (;;) {
    if (opts.signal?.aborted) return { state, alreadyFinished: false, stopped: true };
    while (
      !exhausted &&
      pages.length < opts.maxPagesInFlight &&
      (await deps.queue.depth()) < opts.maxQueueDepth
    ) {
      const rows = await deps.source.readPage(cursor, opts.pageSize);
      if (rows.length < opts.pageSize) exhausted = true;
      const last = rows.at(-1);
      if (!last) break;
      pages.push(await queuePage(deps.queue, plan, rows, last));
      cursor = last;
    }
    await pollPages(deps.queue, pages);
    let advanced = false;
    while (pages[0] && pages[0].pending.size === 0) {
      const p = pages.shift() as Page;
      state.done += p.size;
      state.failed += p.failed;
      state.cursor = p.end;
      advanced = true;
    }
    if (exhausted && pages.length === 0) {
      state.finished = true;
      state.total = Math.max(state.total, state.done);
    }
    if (advanced || state.finished) {
      state.updated_at = now();
      await deps.store.save(plan.runId, state);
    }
    opts.onProgress?.(progressOf(state, pages, resumedFrom));
    if (state.finished) return { state, alreadyFinished: false, stopped: false };
    await sleep(opts.pollMs);
  }
}

async function queuePage(
  queue: RerunQueue,
  plan: RerunPlan,
  rows: readonly SelectedCall[],
  last: SelectedCall,
): Promise<Page> {
  const jobs = new Map<string, EvalJob>();
  let invalid = 0;
  for (const call of rows) {
    const parsed = evalJobSchema.safeParse({
      v: 1,
      trace_id: call.trace_id,
      span_id: call.span_id,
      timestamp: call.ts,
      service: call.service,
      provider: call.provider,
      model: call.model,
      route: call.route,
      // Every selected call is scored: weight 1, whatever its first sampling was.
      probability: 1,
      ...plan.judgeMark(call),
      rerun: { evaluators: plan.evaluators },
    });
    if (parsed.success) jobs.set(rerunJobId(plan.setKey, call), parsed.data);
    else invalid++;
  }
  await queue.add([...jobs].map(([id, data]) => ({ id, data })));
  jobsCounter.inc({ outcome: 'queued' }, jobs.size);
  if (invalid) jobsCounter.inc({ outcome: 'invalid' }, invalid);
  // Rows sharing an id (a call stored twice) count once as pending but all as done.
  return { pending: new Set(jobs.keys()), end: cursorOf(last), size: rows.length, failed: invalid };
}

async function pollPages(queue: RerunQueue, pages: Page[]): Promise<void> {
  for (const page of pages) {
    if (page.pending.size === 0) continue;
    const finished = await queue.finished([...page.pending]);
    for (const [id, s] of finished) {
      page.pending.delete(id);
      if (s === 'failed') page.failed++;
      jobsCounter.inc({ outcome: s === 'failed' ? 'failed' : 'completed' });
    }
  }
}

function progressOf(state: RunState, pages: readonly Page[], resumedFrom: number): RerunProgress {
  let done = state.done;
  let failed = state.failed;
  for (const p of pages) {
    done += Math.max(0, p.size - p.pending.size);
    failed += p.failed;
  }
  return { total: Math.max(state.total, done), done, failed, resumedFrom };
}

const cursorOf = (c: SelectedCall): CallCursor => ({
  service: c.service,
  provider: c.provider,
  route: c.route,
  model: c.model,
  ts: c.ts,
  trace_id: c.trace_id,
  span_id: c.span_id,
});
