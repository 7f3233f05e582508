import type { Job } from 'bullmq';
import { registry } from '../../core/metrics.ts';
import { describe, expect, it } from 'vitest';
import type { EvalJob } from '../../core/eval-job.ts';
import type { CheckInput, CheckPlan, RelatedCalls } from '../checks/index.ts';
import type { ScoreRow } from '../scores/rows.ts';
import type { StoredCall } from './call-loader.ts';
import { JobAttemptError } from './errors.ts';
import { createProcessor, type ProcessorDeps } from './processor.ts';
import type { RelatedLoader } from './related-loader.ts';
import { evalJob, storedCall } from '../../test/support/eval-job.ts';

const data: EvalJob = evalJob({ route: '/agent' });

const call = (over: Partial<StoredCall> = {}): StoredCall =>
  storedCall(data, {
    prompt: 'user: where is my order?',
    response: '',
    finish_reason: 'tool_call',
    output_tokens: 9,
    agent_name: 'support',
    tool_calls: '[{"name":"get_order","arguments":"{}"}]',
    tool_definitions: '[{"name":"get_order"}]',
    ...over,
  });

/** One check that reads the related calls: passes with how many it saw. */
const plan: CheckPlan = {
  minConfidence: 0.8,
  checksFor: () => [
    {
      id: 'sees_trace',
      version: '1',
      needsRelated: true,
      evaluate: (i: CheckInput) =>
        i.related ? { score: 1, passed: true, confidence: 1, reason: `${i.related.trace.length}` } : null,
    },
  ],
};

function run(stored: StoredCall, related: RelatedLoader, checks: CheckPlan = plan) {
  const scores: ScoreRow[] = [];
  const writer = {
    add: (rows: ScoreRow[]) => (scores.push(...rows), { accepted: true, done: Promise.resolve() }),
  };
  const deps: ProcessorDeps = {
    loader: { load: async () => stored, flush: () => undefined },
    related,
    checks,
    judges: null,
    writers: {
      scores: writer,
      verdicts: { add: () => ({ accepted: true, done: Promise.resolve() }) },
    } as unknown as ProcessorDeps['writers'],
    maxStarts: 3,
    now: () => 1,
  };
  const done = createProcessor(deps)({ data, attemptsStarted: 1, attemptsMade: 0 } as unknown as Job, 't');
  return { done, scores };
}

const loader = (result: () => Promise<RelatedCalls>): RelatedLoader & { calls: number } => {
  const l = {
    calls: 0,
    load: () => {
      l.calls++;
      return result();
    },
    flush: () => undefined,
  };
  return l;
};

describe('related calls in the processor', () => {
  it('reads the trace for an agent call and hands it to the checks that need it', async () => {
    const related = loader(async () => ({ trace: [], conversation: [], truncated: false }));
    const r = run(call(), related);
    await expect(r.done).resolves.toBe('completed');
    expect(related.calls).toBe(1);
    expect(r.scores.map((s) => s.reason)).toEqual(['0']);
  });

  it('does not query ClickHouse for a call without tools', async () => {
    const related = loader(async () => ({ trace: [], conversation: [], truncated: false }));
    const r = run(call({ tool_calls: '', tool_definitions: '' }), related);
    await expect(r.done).resolves.toBe('completed');
    expect(related.calls).toBe(0);
    expect(r.scores).toEqual([]);
  });

  it('retries the job when the trace cannot be read', async () => {
    const r = run(
      call(),
      loader(async () => Promise.reject(new Error('ClickHouse down'))),
    );
    await expect(r.done).rejects.toThrow(JobAttemptError);
    expect(r.scores).toEqual([]);
  });

  it('writes no row for a check that says why it does not apply, and counts it by code', async () => {
    const count = async () =>
      (await registry.getSingleMetric('assay_checks_not_applicable_total')?.get())?.values.find(
        (v) => v.labels['evaluator'] === 'schema_user' && v.labels['code'] === 'invalid_tool_schema',
      )?.value ?? 0;
    const before = await count();
    const notApplicable: CheckPlan = {
      minConfidence: 0.8,
      checksFor: () => [
        {
          id: 'schema_user',
          version: '1',
          evaluate: () => ({
            applicable: false,
            code: 'invalid_tool_schema',
            reason: 'not applicable: bad schema',
          }),
        },
      ],
    };
    const r = run(
      call(),
      loader(async () => ({ trace: [], conversation: [], truncated: false })),
      notApplicable,
    );
    await expect(r.done).resolves.toBe('completed');
    expect(r.scores).toEqual([]);
    expect(await count()).toBe(before + 1);
  });
});
