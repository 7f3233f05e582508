import { Queue } from 'bullmq';
import { EVAL_JOB_NAME, EVAL_QUEUE_NAME, evalJobId, type EvalJob } from '../core/eval-job.ts';
import type { Logger } from '../core/logger.ts';
import { counter } from '../core/metrics.ts';
import {
  addBulkRetrying,
  EVAL_JOB_OPTIONS,
  queueDepth,
  queueDepthGauge,
} from '../core/eval-queue-options.ts';
import { assertNoEviction, connectRedis } from '../core/queue-redis.ts';
import type { RedisTarget } from '../core/redis-client.ts';

export { assertNoEviction } from '../core/queue-redis.ts';

export interface EvalProducer {
  /** Fire-and-forget: queues jobs with addBulk; never blocks the collector; failures are counted (`assay_queue_enqueue_total{outcome}`), not thrown. */
  enqueue(jobs: EvalJob[]): void;
  /** Cached queue depth (waiting + delayed + prioritized + active), refreshed at most once per second in the background. */
  depth(): number;
  /** Waits for in-flight adds, then closes the queue and its connection. Idempotent. */
  shutdown(): Promise<void>;
}

export interface EvalProducerOptions {
  /** The queue's Redis: a URL, or the `redis` section (one server or a cluster). */
  redis: RedisTarget;
  /** BullMQ key prefix (`redis.prefix`); `{assay}` on Redis Cluster. */
  prefix: string;
  logger: Logger;
  /** Depth refresh period, ms. Default 1000. */
  depthRefreshMs?: number;
  /** Jobs handed over but not yet in Redis, at most; beyond, new ones are dropped and counted. Default 50000. */
  maxInFlight?: number;
}

const enqueued = counter({
  name: 'assay_queue_enqueue_total',
  help: 'Evaluation jobs handed to the queue, by outcome (queued, failed, overflow, closed)',
  labelNames: ['outcome'],
});

const CHUNK = 1000;
const ATTEMPTS = 3;

/**
 * The collector side of the evaluation queue. Adds go through `addBulk` (atomic, one round
 * trip per chunk) with the call-derived job id, so a call re-sent by an exporter is never queued
 * twice. The depth that the sampler reads for backpressure is cached here and refreshed by a
 * timer, so deciding never touches Redis.
 */
export async function createEvalProducer(opts: EvalProducerOptions): Promise<EvalProducer> {
  const redis = await connectRedis(opts.redis, 'producer');
  try {
    await assertNoEviction(redis);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const queue = new Queue<EvalJob>(EVAL_QUEUE_NAME, { connection: redis, prefix: opts.prefix });
  queue.on('error', () => undefined); // connection errors surface as failed adds, counted below
  const maxInFlight = opts.maxInFlight ?? 50_000;
  const inFlight = new Set<Promise<void>>();
  let inFlightJobs = 0;
  let lastDepth = 0;
  let lastErrorLog = 0;

  const refresh = async (): Promise<void> => {
    try {
      lastDepth = await queueDepth(queue);
      queueDepthGauge.set(lastDepth);
    } catch {
      // Keep the last known depth: a Redis hiccup must not open the floodgates nor stop sampling.
    }
  };
  await refresh();
  const timer = setInterval(() => void refresh(), opts.depthRefreshMs ?? 1000);
  timer.unref();

  const add = async (chunk: EvalJob[]): Promise<void> => {
    const bulk = chunk.map((data) => ({
      name: EVAL_JOB_NAME,
      data,
      opts: { ...EVAL_JOB_OPTIONS, jobId: evalJobId(data) },
    }));
    try {
      await addBulkRetrying(queue, bulk, { attempts: ATTEMPTS, maxMs: 2000 });
      enqueued.inc({ outcome: 'queued' }, chunk.length);
    } catch (err) {
      enqueued.inc({ outcome: 'failed' }, chunk.length);
      if (Date.now() - lastErrorLog > 10_000) {
        lastErrorLog = Date.now();
        opts.logger.warn({ err, jobs: chunk.length }, 'evaluation jobs could not be queued');
      }
    }
  };

  let closed: Promise<void> | undefined;
  return {
    enqueue(jobs) {
      if (closed) return void enqueued.inc({ outcome: 'closed' }, jobs.length);
      for (let i = 0; i < jobs.length; i += CHUNK) {
        const chunk = jobs.slice(i, i + CHUNK);
        if (inFlightJobs + chunk.length > maxInFlight) {
          enqueued.inc({ outcome: 'overflow' }, chunk.length);
          continue;
        }
        inFlightJobs += chunk.length;
        const p: Promise<void> = add(chunk).finally(() => {
          inFlightJobs -= chunk.length;
          inFlight.delete(p);
        });
        inFlight.add(p);
      }
    },
    depth: () => lastDepth,
    shutdown: () =>
      (closed ??= (async () => {
        clearInterval(timer);
        await Promise.allSettled([...inFlight]);
        await queue.close().catch(() => undefined);
        await redis.quit().catch(() => redis.disconnect());
      })()),
  };
}
