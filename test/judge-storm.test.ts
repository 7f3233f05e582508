// long-running: a 15 s storm of 429s, then the deferred judges catch up (about 35 s).
import { describe, expect, it } from 'vitest';
import { eventually, insertCalls, jobsFor } from './fixtures/eval-calls.ts';
import { useRecoveryHarness } from './helpers/recovery-harness.ts';

// Judge verdicts survive the judge endpoint throttling: a 15 s storm of 429s (Retry-After 1 s)
// from an OpenAI-compatible fake; the deferred judges retry with backoff until it passes. Real
// Redis, real BullMQ, the real engine.

const h = useRecoveryHarness('judge-storm');

describe('no lost judge verdicts', () => {
  it('a 15 s storm of 429s from the judge: the judge verdicts arrive after it', async () => {
    const calls = h.callsOf(40, 'storm').map((c) => ({
      ...c,
      route: '/api/judged',
      response: 'The capital of France is Paris. It has been the capital since the 10th century.',
      finish_reason: 'stop',
    }));
    await insertCalls(h.client, h.db, calls);
    h.judge.stormUntil = Date.now() + 15_000;
    h.judge.throttled = 0;
    const worker = await h.startWorker(h.workerConfig({ reconcile: { enabled: false } }), true);
    try {
      h.producer.enqueue(jobsFor(calls).map((j) => ({ ...j, judge: true, judge_probability: 1 })));
      await eventually(
        async () =>
          (await h.count(
            `SELECT uniqExact(trace_id, span_id) AS n FROM ${h.db}.llm_scores WHERE kind = 'judge' AND service = 'storm'`,
            {},
          )) === calls.length
            ? true
            : undefined,
        150_000,
      );
      const after = Math.round((Date.now() - h.judge.stormUntil) / 1000);
      console.log(
        `[judge-storm] 429 storm: ${h.judge.throttled} requests throttled, all ${calls.length} judge verdicts ${after} s after it`,
      );
      expect(h.judge.throttled).toBeGreaterThan(0);
      expect(await h.verdictsFor('storm')).toBe(calls.length);
      expect(await h.metric('assay_judge_breaker_state', { endpoint: 'default' })).toBe(0);
    } finally {
      await worker.shutdown();
    }
  }, 240_000);
});
