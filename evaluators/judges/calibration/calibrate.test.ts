import { describe, expect, it } from 'vitest';
import type { JudgeOutcome } from '../types.ts';
import { runCalibration } from './calibrate.ts';
import type { GoldenSet } from './golden.ts';
import type { CalibrationInput, CalibrationTarget } from './types.ts';

const set: GoldenSet = {
  name: 'tiny',
  rubric: 'confirm_refusal',
  hash: 'abc',
  items: [
    { id: '1', question: 'q1', answer: 'yes 1', expected: 'pass' },
    { id: '2', question: 'q2', answer: 'yes 2', expected: 'pass' },
    { id: '3', question: 'q3', answer: 'no 3', expected: 'fail' },
    { id: '4', question: 'q4', answer: 'no 4', expected: 'fail' },
  ],
};

/** An in-memory judge: `verdict(input)` decides; `script` can override outcomes by call number. */
function target(
  verdict: (input: CalibrationInput) => JudgeOutcome['kind'] | boolean,
): CalibrationTarget & { calls: CalibrationInput[] } {
  const calls: CalibrationInput[] = [];
  return {
    calls,
    endpoints: [{ name: 'default', model: 'm' }],
    rubrics: [{ id: 'confirm_refusal', evaluator: 'judge_confirm_refusal', version: '1+abc' }],
    judgeWith: async (_e, evaluator, input) => {
      calls.push(input);
      const v = verdict(input);
      if (v === 'skipped') return { kind: 'skipped', evaluator, reason: 'spend_cap' };
      if (v === 'failed') return { kind: 'failed', evaluator, reason: 'malformed_output' };
      if (v === 'deferred') return { kind: 'deferred', evaluator, reason: 'rate_limited', retryAfterMs: 50 };
      const passed = v === true;
      return {
        kind: 'scored',
        cached: false,
        score: {
          evaluator,
          version: '1+abc',
          score: passed ? 1 : 0,
          passed,
          reason: '',
          judge_model: 'm',
          input_tokens: 10,
          output_tokens: 2,
          cost_usd: 0.001,
        },
      };
    },
  };
}

const meta = { trigger: 'schedule' as const, configHash: 'h' };
const deps = (judge: CalibrationTarget) => ({ judge, now: () => 1_700_000_000_000, maxWaitMs: 1000 });

describe('a calibration run', () => {
  it('measures agreement with the expected verdicts, judging the item in the stored prompt form', async () => {
    const judge = target((i) => i.response.startsWith('yes') || i.response === 'no 4');
    const { rows, outcomes } = await runCalibration([set], deps(judge), meta);
    expect(outcomes).toEqual([{ endpoint: 'default', rubric: 'confirm_refusal', outcome: 'stored' }]);
    // 3 of 4 agree; judge passes 3/4, expected 2/4: chance 0.5, kappa 0.5.
    expect(rows[0]).toMatchObject({ n: 4, items: 4, failed: 0, raw_agreement: 0.75, kappa: 0.5 });
    expect(rows[0]?.cost_usd).toBeCloseTo(0.004);
    expect(judge.calls[0]?.prompt).toBe('user: q1');
  });

  it('leaves failed items out of the agreement and counts them', async () => {
    const judge = target((i) => (i.response === 'yes 1' ? 'failed' : i.response.startsWith('yes')));
    const { rows } = await runCalibration([set], deps(judge), meta);
    expect(rows[0]).toMatchObject({ n: 3, failed: 1, raw_agreement: 1, kappa: 1 });
  });

  it('stores nothing when the spend cap stops it', async () => {
    const judge = target((i) => (i.response === 'no 3' ? 'skipped' : true));
    const { rows, outcomes } = await runCalibration([set], deps(judge), meta);
    expect(rows).toEqual([]);
    expect(outcomes[0]?.outcome).toBe('spend_cap');
  });

  it('waits out a deferral within max_wait, then gives up as unavailable', async () => {
    let deferred = 0;
    const once = target((i) =>
      i.response === 'yes 1' && deferred++ === 0 ? 'deferred' : i.response.startsWith('yes'),
    );
    expect((await runCalibration([set], deps(once), meta)).rows[0]?.kappa).toBe(1);
    const always = target(() => 'deferred');
    const res = await runCalibration([set], { ...deps(always), maxWaitMs: 120 }, meta);
    expect(res.outcomes[0]?.outcome).toBe('unavailable');
    expect(res.rows).toEqual([]);
  });
});
