import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { EvalJob } from '../../core/eval-job.ts';
import type { CheckInput, CheckPlan, CheckResult } from '../checks/index.ts';
import type { JudgeOutcome, JudgeRunner } from '../judges/index.ts';
import type { ScoreRow, VerdictRow } from '../scores/rows.ts';
import type { StoredCall } from './call-loader.ts';
import { JobAttemptError } from './errors.ts';
import { chooseJudges } from './evaluate.ts';
import { createProcessor, type ProcessorDeps } from './processor.ts';
import { evalJob, storedCall } from '../../test/support/eval-job.ts';

const job = (over: Partial<EvalJob> = {}): EvalJob => evalJob({ probability: 0.5, ...over });

const stored = (response?: string): StoredCall =>
  storedCall(job(), response === undefined ? {} : { response });

/** Two checks: `not_empty` fails on an empty answer, `never_applies` returns null. */
const checks: CheckPlan = {
  minConfidence: 0.8,
  checksFor: () => [
    {
      id: 'not_empty',
      version: '1',
      evaluate: (i: CheckInput): CheckResult =>
        i.response.trim()
          ? { score: 1, passed: true, confidence: 1, reason: 'ok' }
          : { score: 0, passed: false, confidence: 1, reason: 'empty' },
    },
    { id: 'never_applies', version: '1', evaluate: () => null },
  ],
};

function fakeJudges(outcome: (evaluator: string) => JudgeOutcome): JudgeRunner & { calls: number } {
  const runner = {
    calls: 0,
    plan: {
      judgesFor: () => [{ evaluator: 'judge_relevance', rubric: 'relevance', probability: 1 }],
      canJudge: () => true,
    },
    run: async (_input: unknown, evaluators: readonly string[]) => {
      runner.calls++;
      return evaluators.map(outcome);
    },
    shutdown: async () => undefined,
  };
  return runner;
}

/** A check that is never sure, settled by `judge_confirm_refusal`. */
const unsureChecks: CheckPlan = {
  minConfidence: 0.8,
  checksFor: () => [
    {
      id: 'refusal',
      version: '2',
      escalation: 'judge_confirm_refusal',
      evaluate: (): CheckResult => ({
        score: 0.4,
        passed: false,
        confidence: 0.6,
        reason: 'refusal (model 0.60)',
      }),
    },
  ],
};

const judgeScore = (evaluator: string, passed: boolean): JudgeOutcome => ({
  kind: 'scored',
  cached: false,
  score: {
    evaluator,
    version: '1+abc',
    score: passed ? 1 : 0,
    passed,
    reason: passed ? 'it answers' : 'it declines',
    judge_model: 'gpt-4o-mini',
    input_tokens: 80,
    output_tokens: 10,
    cost_usd: 0.0001,
  },
});

function harness(
  opts: {
    call?: StoredCall | undefined;
    judges?: JudgeRunner | null;
    full?: boolean;
    checks?: CheckPlan;
  } = {},
) {
  const scores: ScoreRow[] = [];
  const verdicts: VerdictRow[] = [];
  const delayedTo: number[] = [];
  const writer = <T>(sink: T[]) => ({
    add: (rows: T[]) => {
      if (opts.full) return { accepted: false, done: Promise.resolve() };
      sink.push(...rows);
      return { accepted: true, done: Promise.resolve() };
    },
  });
  const deps: ProcessorDeps = {
    loader: { load: async () => ('call' in opts ? opts.call : stored()), flush: () => undefined },
    checks: opts.checks ?? checks,
    judges: opts.judges ?? null,
    writers: { scores: writer(scores), verdicts: writer(verdicts) } as unknown as ProcessorDeps['writers'],
    maxStarts: 3,
    now: () => 42,
  };
  const process = createProcessor(deps);
  const run = (data: unknown, attemptsStarted = 1) =>
    process(
      {
        data,
        attemptsStarted,
        moveToDelayed: async (ts: number) => void delayedTo.push(ts),
      } as unknown as Job,
      'token',
    );
  return { run, scores, verdicts, delayedTo };
}

describe('evaluation job processor', () => {
  it('scores the applicable checks with weight 1/p and writes one verdict', async () => {
    const h = harness();
    await expect(h.run(job())).resolves.toBe('completed');
    expect(h.scores).toHaveLength(1);
    expect(h.scores[0]).toMatchObject({
      evaluator: 'not_empty',
      kind: 'check',
      passed: 1,
      sample_weight: 2,
      route: '/chat',
    });
    expect(h.verdicts).toEqual([
      expect.objectContaining({ failed: 0, failed_evaluators: [], sample_weight: 2 }),
    ]);
  });

  it('a re-evaluation job keeps only its evaluators and writes no verdict row', async () => {
    const judges = fakeJudges((e) => judgeScore(e, true));
    const h = harness({ judges });
    const rerun = { probability: 1, judge: true, judge_probability: 1 };
    await expect(h.run(job({ ...rerun, rerun: { evaluators: ['judge_relevance'] } }))).resolves.toBe(
      'completed',
    );
    expect(h.scores.map((s) => s.evaluator)).toEqual(['judge_relevance']);
    expect(h.scores[0]?.sample_weight).toBe(1);
    expect(h.verdicts).toEqual([]);
    await h.run(job({ ...rerun, rerun: { evaluators: [] } }));
    expect(h.scores.map((s) => s.evaluator)).toEqual(['judge_relevance', 'not_empty', 'judge_relevance']);
    expect(h.verdicts).toEqual([]);
    await expect(h.run(job({ rerun: { evaluators: ['Not An Id'] } }))).rejects.toThrow(
      /rerun\.evaluators\.0/,
    );
  });

  it('rejects a bad payload as unrecoverable, naming the bad field', async () => {
    const h = harness();
    await expect(h.run({ ...job(), trace_id: 'nothex' })).rejects.toThrow(UnrecoverableError);
    await expect(h.run({ ...job(), extra: 1 })).rejects.toThrow(/invalid evaluation job payload/);
    expect(h.scores).toHaveLength(0);
  });

  it('retries (does not complete) when the call row is not there yet', async () => {
    const h = harness({ call: undefined });
    const err = await h.run(job()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobAttemptError);
    expect((err as JobAttemptError).reason).toBe('call_not_found');
  });

  it('an unsure check without a judge is stored as unsure and keeps the call out of the failures', async () => {
    const h = harness({ checks: unsureChecks });
    await h.run(job());
    expect(h.scores[0]).toMatchObject({
      evaluator: 'refusal',
      outcome: 'unsure',
      passed: 0,
      confidence: 0.6,
    });
    expect(h.verdicts[0]).toMatchObject({ failed: 0, failed_evaluators: [], unsure_evaluators: ['refusal'] });
  });

  it('an unsure check is settled by its judge on an unmarked call: a failure counts, weight without the mark', async () => {
    const judges = fakeJudges((e) => judgeScore(e, false));
    const h = harness({ checks: unsureChecks, judges });
    await h.run(job({ judge: false, judge_probability: 0.1 }));
    const judged = h.scores.find((s) => s.kind === 'judge');
    expect(judged).toMatchObject({ evaluator: 'judge_confirm_refusal', outcome: 'fail' });
    expect(judged?.sample_weight).toBeCloseTo(2);
    expect(h.verdicts[0]).toMatchObject({
      failed: 1,
      failed_evaluators: ['judge_confirm_refusal'],
      unsure_evaluators: [],
    });
  });

  it('a judge that finds the unsure answer fine settles it as a pass', async () => {
    const h = harness({ checks: unsureChecks, judges: fakeJudges((e) => judgeScore(e, true)) });
    await h.run(job({ judge: false }));
    expect(h.verdicts[0]).toMatchObject({ failed: 0, unsure_evaluators: [] });
  });

  it('cascade: no judge for a call that failed a cheap check', async () => {
    const judges = fakeJudges(() => ({ kind: 'failed', evaluator: 'judge_relevance', reason: 'http_error' }));
    const h = harness({ call: stored('   '), judges });
    await h.run(job({ judge: true, judge_probability: 0.1 }));
    expect(judges.calls).toBe(0);
    expect(h.verdicts[0]).toMatchObject({ failed: 1, failed_evaluators: ['not_empty'] });
  });

  it('judges a marked call that passed the checks; the score carries the full inverse inclusion probability', async () => {
    const judges = fakeJudges((evaluator) => ({
      kind: 'scored',
      cached: false,
      score: {
        evaluator,
        version: 'r1',
        score: 0.2,
        passed: false,
        reason: 'off topic',
        judge_model: 'gpt-4o-mini',
        input_tokens: 100,
        output_tokens: 20,
        cost_usd: 0.001,
      },
    }));
    const h = harness({ judges });
    await h.run(job({ judge: true, judge_probability: 0.1 }));
    const judged = h.scores.find((s) => s.kind === 'judge');
    expect(judged).toMatchObject({
      evaluator: 'judge_relevance',
      judge_model: 'gpt-4o-mini',
      cost_usd: 0.001,
    });
    expect(judged?.sample_weight).toBeCloseTo(1 / (0.5 * 0.1));
    expect(h.verdicts[0]).toMatchObject({ failed: 1, failed_evaluators: ['judge_relevance'] });
  });

  it('a judge failure is never a score', async () => {
    const judges = fakeJudges(() => ({
      kind: 'failed',
      evaluator: 'judge_relevance',
      reason: 'malformed_output',
    }));
    const h = harness({ judges });
    await h.run(job({ judge: true, judge_probability: 1 }));
    expect(h.scores.map((s) => s.kind)).toEqual(['check']);
    expect(h.verdicts).toHaveLength(1);
  });

  it('a deferred judge delays the job (check rows written, no verdict yet); past max starts it gives up', async () => {
    const judges = fakeJudges(() => ({
      kind: 'deferred',
      evaluator: 'judge_relevance',
      retryAfterMs: 5000,
      reason: 'circuit_open',
    }));
    const h = harness({ judges });
    await expect(h.run(job({ judge: true, judge_probability: 1 }))).rejects.toThrow(DelayedError);
    expect(h.delayedTo).toEqual([42 + 5000]);
    expect(h.scores).toHaveLength(1);
    expect(h.verdicts).toHaveLength(0);
    await expect(h.run(job({ judge: true, judge_probability: 1 }), 3)).resolves.toBe('completed');
    expect(h.verdicts).toHaveLength(1);
  });

  it('refuses to complete when the score writer is full', async () => {
    const h = harness({ full: true });
    const err = await h.run(job()).catch((e: unknown) => e);
    expect((err as JobAttemptError).reason).toBe('writer_full');
  });
});

const none = { failed: [], unsure: [] };

describe('chooseJudges', () => {
  it('per-rubric deterministic draw at the stratum probability', () => {
    const plan = {
      judgesFor: () => [{ evaluator: 'judge_x', rubric: 'x', probability: 0.25 }],
      canJudge: () => true,
    };
    let picked = 0;
    for (let i = 0; i < 8000; i++) {
      const j = job({ judge: true, judge_probability: 1, trace_id: i.toString(16).padStart(32, '0') });
      const first = chooseJudges(plan, j, none);
      expect(chooseJudges(plan, j, none)).toEqual(first);
      picked += first.length;
    }
    expect(Math.abs(picked - 2000)).toBeLessThan(4 * Math.sqrt(8000 * 0.25 * 0.75));
  });
  it('nothing when not marked for judging', () => {
    const plan = {
      judgesFor: () => [{ evaluator: 'judge_x', rubric: 'x', probability: 1 }],
      canJudge: () => true,
    };
    expect(chooseJudges(plan, job({ judge: false }), none)).toEqual([]);
  });
  it('escalates an unsure check to its judge on every call a judge applies to, marked or not', () => {
    const plan = {
      judgesFor: () => [{ evaluator: 'judge_x', rubric: 'x', probability: 1 }],
      canJudge: () => true,
    };
    const unsure = { failed: [], unsure: [{ check: 'refusal', escalation: 'judge_confirm_refusal' }] };
    expect(chooseJudges(plan, job({ judge: false }), unsure)).toEqual([
      { evaluator: 'judge_confirm_refusal', probability: 1, escalated: true, settles: 'refusal' },
    ]);
    expect(chooseJudges({ ...plan, canJudge: () => false }, job({ judge: false }), unsure)).toEqual([]);
    // A confident failure elsewhere already decides the call: no judge is paid for.
    expect(chooseJudges(plan, job({ judge: true }), { ...unsure, failed: ['empty_response'] })).toEqual([]);
  });
});
