import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { EvalJob } from '../../core/eval-job.ts';
import type { CheckPlan } from '../checks/index.ts';
import type { JudgeRunner } from '../judges/index.ts';
import type { StoredCall } from './call-loader.ts';
import { failureReason, JobAttemptError, JobGivenUpError } from './errors.ts';
import { createProcessor, UNPARSEABLE, type ProcessorDeps } from './processor.ts';
import { evalJob, storedCall } from '../../test/support/eval-job.ts';

// How long a job waits for what it depends on: a time bound (retry_for), not an attempt count.

const HOUR = 3_600_000;
const NOW = 10 * HOUR;
const data: EvalJob = evalJob({
  timestamp: NOW,
  service: 's',
  provider: 'p',
  model: 'm',
  route: '/r',
  judge: true,
  judge_probability: 1,
});
const call = storedCall(data, { prompt: 'q', response: 'a', output_tokens: 1 });
const noChecks: CheckPlan = { minConfidence: 0.8, checksFor: () => [] };
const ok = { add: () => ({ accepted: true, done: Promise.resolve() }) };

function processor(load: () => Promise<StoredCall | undefined>, judges: JudgeRunner | null = null) {
  const deps: ProcessorDeps = {
    loader: { load, flush: () => undefined },
    checks: noChecks,
    judges,
    writers: { scores: ok, verdicts: ok } as unknown as ProcessorDeps['writers'],
    maxStarts: 1000,
    retryForMs: HOUR,
    now: () => NOW,
  };
  return createProcessor(deps);
}
const jobAt = (queuedAt: number, over: Partial<Job> = {}): Job & { delayedTo: number[] } => {
  const delayedTo: number[] = [];
  return {
    data,
    timestamp: queuedAt,
    attemptsMade: 0,
    attemptsStarted: 1,
    moveToDelayed: async (ts: number) => void delayedTo.push(ts),
    delayedTo,
    ...over,
  } as unknown as Job & { delayedTo: number[] };
};

describe('processor retry bound', () => {
  const down = async (): Promise<StoredCall | undefined> => {
    throw new Error('ECONNREFUSED');
  };

  it('ClickHouse down: retried (BullMQ backoff) while the job is younger than retry_for', async () => {
    const err = await processor(down)(jobAt(NOW - HOUR / 2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobAttemptError);
    expect(err).not.toBeInstanceOf(UnrecoverableError);
  });

  it('given up (unrecoverable, reason kept) once the job is older than retry_for', async () => {
    const err = await processor(down)(jobAt(NOW - HOUR - 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobGivenUpError);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(failureReason(err)).toBe('clickhouse');
  });

  it('a call not found yet waits like a dependency that is down', async () => {
    const p = processor(async () => undefined);
    expect(failureReason(await p(jobAt(NOW - 1000)).catch((e: unknown) => e))).toBe('call_not_found');
    expect(await p(jobAt(NOW - 2 * HOUR)).catch((e: unknown) => e)).toBeInstanceOf(JobGivenUpError);
  });

  it('an unknown error (a bug) is given up after 5 attempts, whatever the age', async () => {
    const p = processor(async () => call, {
      plan: { judgesFor: () => [{ evaluator: 'j', rubric: 'r', probability: 1 }], canJudge: () => true },
      run: async () => {
        throw new TypeError('bug');
      },
      shutdown: async () => undefined,
    });
    expect(await p(jobAt(NOW, { attemptsMade: 1 })).catch((e: unknown) => e)).toBeInstanceOf(TypeError);
    const last = await p(jobAt(NOW, { attemptsMade: 4 })).catch((e: unknown) => e);
    expect(last).toBeInstanceOf(JobGivenUpError);
    expect(failureReason(last)).toBe('other');
  });

  it('deferred judges: delayed by at least Retry-After, spaced out as starts grow; given up past retry_for', async () => {
    const judges: JudgeRunner = {
      plan: { judgesFor: () => [{ evaluator: 'j', rubric: 'r', probability: 1 }], canJudge: () => true },
      run: async (_i, evaluators) =>
        evaluators.map((evaluator) => ({
          kind: 'deferred',
          evaluator,
          reason: 'rate_limited',
          retryAfterMs: 1000,
        })),
      shutdown: async () => undefined,
    };
    const p = processor(async () => call, judges);
    const early = jobAt(NOW - 1000, { attemptsStarted: 1 });
    await expect(p(early)).rejects.toThrow(DelayedError);
    expect(early.delayedTo[0]! - NOW).toBeGreaterThanOrEqual(1000);
    const later = jobAt(NOW - 1000, { attemptsStarted: 8 });
    await expect(p(later)).rejects.toThrow(DelayedError);
    expect(later.delayedTo[0]! - NOW).toBeGreaterThanOrEqual(40_000); // 60 s cap, ±30 %
    await expect(p(jobAt(NOW - HOUR - 1, { attemptsStarted: 8 }))).resolves.toBe('completed');
  });

  it('job data BullMQ could not parse fails as an invalid payload', async () => {
    const err = await processor(async () => call)(
      jobAt(NOW, { data: { [UNPARSEABLE]: true } } as Partial<Job>),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(failureReason(err)).toBe('bad_payload');
    expect((err as Error).message).toMatch(/not JSON/);
  });
});
