import type { Queue } from 'bullmq';
import { EVAL_JOB_NAME, type EvalJob } from '../../core/eval-job.ts';
import { addBulkRetrying, EVAL_JOB_OPTIONS, queueDepth } from '../../core/eval-queue-options.ts';
import type { FinishedState, RerunQueue } from './runner.ts';

/**
 * BullMQ priority of re-evaluation jobs. A worker takes jobs without a priority (the collector's,
 * live traffic) before any prioritised one, so a re-evaluation fills idle worker time and never
 * delays the scoring of new calls.
 */
export const RERUN_PRIORITY = 100;

/** State polls sent at once (each is a small Redis script). */
const POLL_BATCH = 200;
const ADD_ATTEMPTS = 5;

/** The evaluation queue as the re-evaluation runner uses it. */
export function bullRerunQueue(queue: Queue): RerunQueue {
  return {
    async add(jobs) {
      if (jobs.length === 0) return;
      const bulk = jobs.map((j) => ({
        name: EVAL_JOB_NAME,
        data: j.data satisfies EvalJob,
        opts: { ...EVAL_JOB_OPTIONS, jobId: j.id, priority: RERUN_PRIORITY },
      }));
      await addBulkRetrying(queue, bulk, { attempts: ADD_ATTEMPTS, maxMs: 5000 });
    },
    async finished(ids) {
      const out = new Map<string, FinishedState>();
      for (let i = 0; i < ids.length; i += POLL_BATCH) {
        const chunk = ids.slice(i, i + POLL_BATCH);
        const states = await Promise.all(chunk.map((id) => queue.getJobState(id)));
        states.forEach((s, k) => {
          const id = chunk[k] as string;
          // 'unknown': the job finished and was removed (removeOnComplete keeps a bounded number).
          if (s === 'completed' || s === 'failed') out.set(id, s);
          else if (s === 'unknown') out.set(id, 'gone');
        });
      }
      return out;
    },
    async depth() {
      return queueDepth(queue);
    },
  };
}
