import { Worker, type Job, type JobJson } from 'bullmq';
import { UNPARSEABLE } from './processor.ts';

/**
 * The BullMQ worker of the evaluation queue. BullMQ parses a job's data with `JSON.parse` while
 * fetching it, outside the processor: data that is not JSON threw there, and the job sat in
 * `active`, uncounted, until stall recovery. Here such a job is handed to the processor with a
 * marker instead, which fails it as unrecoverable (`bad_payload`) like any invalid payload.
 */
export class EvalWorker extends Worker {
  protected override createJob(data: JobJson, jobId: string): Job {
    try {
      return super.createJob(data, jobId);
    } catch {
      return super.createJob({ ...data, data: JSON.stringify({ [UNPARSEABLE]: true }) }, jobId);
    }
  }
}
