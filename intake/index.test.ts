import { describe, expect, it } from 'vitest';
import type { EvalJob } from '../core/eval-job.ts';
import type { LlmCall } from '../core/llm-call.ts';
import { silentLogger } from '../core/logger.ts';
import { registry } from '../core/metrics.ts';
import { makeCall } from '../test/fixtures/eval-calls.ts';
import { createEvaluationIntake } from './index.ts';
import { samplingConfigSchema } from './sampling/config.ts';

function fakeProducer() {
  const queued: EvalJob[] = [];
  return {
    queued,
    producer: {
      enqueue: (jobs: EvalJob[]) => void queued.push(...jobs),
      depth: () => 0,
      shutdown: async () => {},
    },
  };
}

const dropped = async (): Promise<number> =>
  (await registry.getSingleMetric('assay_intake_decisions_dropped_total')?.get())?.values[0]?.value ?? 0;

describe('evaluation intake', () => {
  it('queues the written calls it sampled, with their decisions, once', async () => {
    const { queued, producer } = fakeProducer();
    const intake = await createEvaluationIntake({
      redis: 'unused',
      prefix: 'p',
      sampling: samplingConfigSchema.parse({ rate: 1 }),
      judgeProbability: () => 0.5,
      maxPending: 100,
      logger: silentLogger,
      producer,
    });
    const calls = [0, 1, 2].map((i): LlmCall => ({ ...makeCall(i, 'intake'), sampled: 0 }));
    for (const c of calls) if (intake.decide(c)) c.sampled = 1;
    intake.written(calls);
    intake.written(calls.slice(0, 1)); // a second write of the same row brings no decision back
    expect(queued.map((j) => j.trace_id)).toEqual([...calls.map((c) => c.trace_id), calls[0]!.trace_id]);
    expect(queued[0]).toMatchObject({ probability: 1 });
    expect(queued[3]).toMatchObject({ probability: 1, judge: false });
  });

  it('keeps at most maxPending decisions: the oldest goes first, and the drop is counted', async () => {
    const { queued, producer } = fakeProducer();
    const intake = await createEvaluationIntake({
      redis: 'unused',
      prefix: 'p',
      sampling: samplingConfigSchema.parse({ rate: 1, judge_rate: 1 }),
      judgeProbability: () => 1,
      maxPending: 2,
      logger: silentLogger,
      producer,
    });
    const before = await dropped();
    const calls = [0, 1, 2].map((i) => ({ ...makeCall(i, 'bounded'), sampled: 1 as const }));
    for (const c of calls) intake.decide(c);
    expect((await dropped()) - before).toBe(1);
    intake.written(calls);
    // The first call lost its decision (no judge mark); the two kept ones carry theirs.
    expect(queued.map((j) => j.judge)).toEqual([false, true, true]);
  });
});
