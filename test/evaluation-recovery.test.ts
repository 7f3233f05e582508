// long-running: ClickHouse is stopped for 15 s, then the queue catches up (about 50 s).
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { EVAL_QUEUE_NAME, evalJobId } from '../core/eval-job.ts';
import { eventually, insertCalls, jobsFor } from './fixtures/eval-calls.ts';
import { useRecoveryHarness } from './helpers/recovery-harness.ts';

// Evaluations survive what they depend on being down: ClickHouse (an `assay clickhouse` process
// stopped for 15 s) and a job lost outright (the reconciler finds the sampled call without a
// verdict). Real Redis, real BullMQ, the real engine. The judge endpoint's 429 storm is in
// judge-storm.test.ts (its own file, so the outage and the storm run side by side).

const h = useRecoveryHarness('eval-recovery');

describe('no lost evaluations', () => {
  it('ClickHouse down for 15 s: every queued call gets its verdict afterwards', async () => {
    const worker = await h.startWorker(h.workerConfig({ reconcile: { enabled: false } }));
    try {
      const calls = h.callsOf(400, 'outage');
      await insertCalls(h.client, h.db, calls);
      await h.clickhouse.stop();
      const downAt = Date.now();
      h.producer.enqueue(jobsFor(calls));
      await new Promise((r) => setTimeout(r, Number(process.env['OUTAGE_MS'] ?? 15_000)));
      // Jobs kept retrying through the outage; none was given up.
      expect((await h.queue.getJobCounts('failed'))['failed']).toBe(0);
      await h.clickhouse.start();
      const upAt = Date.now();
      await eventually(
        async () => ((await h.verdictsFor('outage')) === calls.length ? true : undefined),
        120_000,
      );
      const caughtUp = Date.now();
      console.log(
        `[evaluation-recovery] outage ${Math.round((upAt - downAt) / 1000)} s; all ${calls.length} verdicts ${Math.round((caughtUp - upAt) / 1000)} s after ClickHouse was back`,
      );
      expect((await h.queue.getJobCounts('failed'))['failed']).toBe(0);
    } finally {
      await worker.shutdown();
    }
  }, 240_000);

  it('the reconciler queues a sampled call that has no job, and retries one given up', async () => {
    const before = {
      queued: await h.metric('assay_eval_reconciled_total', { action: 'queued' }),
      retried: await h.metric('assay_eval_reconciled_total', { action: 'retried' }),
    };
    const worker = await h.startWorker(
      h.workerConfig({ reconcile: { interval: '1s', after: '5s', lookback: '1h' } }),
    );
    try {
      // A job given up for good before its call was readable (one attempt only).
      const old = Date.now() - 20_000;
      const [late] = h.callsOf(1, 'reconciled', old);
      if (!late) throw new Error('no call');
      const [lateJob] = jobsFor([late]);
      await h.queue.add('evaluate', lateJob, { jobId: evalJobId(late), attempts: 1 });
      await eventually(
        async () => ((await h.queue.getJobState(evalJobId(late))) === 'failed' ? true : undefined),
        30_000,
      );
      // Sampled calls that were never queued, and the late call, now readable.
      const orphans = h.callsOf(31, 'reconciled', old).slice(1);
      await insertCalls(h.client, h.db, [...orphans, late]);
      await eventually(async () => ((await h.verdictsFor('reconciled')) === 31 ? true : undefined), 60_000);
      expect((await h.metric('assay_eval_reconciled_total', { action: 'queued' })) - before.queued).toBe(30);
      expect((await h.metric('assay_eval_reconciled_total', { action: 'retried' })) - before.retried).toBe(1);
      await eventually(
        async () => ((await h.queue.getJobState(evalJobId(late))) === 'completed' ? true : undefined),
        10_000,
      );
    } finally {
      await worker.shutdown();
    }
  }, 120_000);

  it('a job whose data is not JSON is failed as unrecoverable and counted, not left active', async () => {
    const before = await h.metric('assay_jobs_failed_total', { reason: 'bad_payload' });
    const worker = await h.startWorker(h.workerConfig({ reconcile: { enabled: false } }));
    const redis = new Redis(h.redisUrl);
    try {
      // Delayed a moment, so its data can be broken before a worker fetches it.
      await h.queue.add('evaluate', { v: 1 }, { jobId: 'call-not-json', delay: 1500 });
      await redis.hset(`${h.prefix}:${EVAL_QUEUE_NAME}:call-not-json`, 'data', '{not json');
      await eventually(
        async () => ((await h.queue.getJobState('call-not-json')) === 'failed' ? true : undefined),
        15_000,
      );
      expect(await redis.hget(`${h.prefix}:${EVAL_QUEUE_NAME}:call-not-json`, 'failedReason')).toMatch(
        /not JSON/,
      );
      expect((await h.metric('assay_jobs_failed_total', { reason: 'bad_payload' })) - before).toBe(1);
    } finally {
      redis.disconnect();
      await worker.shutdown();
    }
  }, 60_000);
});
