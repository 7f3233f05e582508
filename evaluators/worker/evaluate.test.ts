import { describe, expect, it } from 'vitest';
import { registry } from '../../core/metrics.ts';
import type { CheckPlan } from '../checks/index.ts';
import { evalJob, storedCall } from '../../test/support/eval-job.ts';
import { runChecks } from './evaluate.ts';

const job = evalJob({ probability: 0.25 });
const call = storedCall(job, { response: 'Paris.', output_tokens: 2, agent_name: 'planner' });

// One check of each outcome the counter knows for checks.
const plan: CheckPlan = {
  minConfidence: 0.8,
  checksFor: () => [
    { id: 't_pass', version: '1', evaluate: () => ({ score: 1, passed: true, confidence: 1, reason: 'ok' }) },
    {
      id: 't_fail',
      version: '2',
      evaluate: () => ({ score: 0, passed: false, confidence: 0.9, reason: 'bad' }),
    },
    {
      id: 't_unsure',
      version: '1',
      evaluate: () => ({ score: 0, passed: false, confidence: 0.5, reason: '?' }),
    },
    { id: 't_na', version: '1', evaluate: () => null },
    {
      id: 't_throws',
      version: '1',
      evaluate: () => {
        throw new Error('bug');
      },
    },
  ],
};

/** `assay_evaluations_total` as the registry reports it (a scrape reads the same), per evaluator and outcome. */
async function evaluations(): Promise<Map<string, number>> {
  const metric = registry.getSingleMetric('assay_evaluations_total');
  if (!metric) throw new Error('assay_evaluations_total is not registered');
  const values = (await metric.get()).values;
  return new Map(
    values.map((v) => [`${String(v.labels['evaluator'])}/${String(v.labels['outcome'])}`, v.value]),
  );
}

describe('runChecks', () => {
  it('writes one full row per verdict and counts every evaluation in assay_evaluations_total', async () => {
    const before = await evaluations();
    const part = runChecks(plan, job, call, 1_700_000_001_000);
    runChecks(plan, job, call, 1_700_000_002_000);
    const after = await evaluations();
    const delta = (key: string): number => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    expect({
      pass: delta('t_pass/passed'),
      fail: delta('t_fail/failed'),
      unsure: delta('t_unsure/unsure'),
      na: delta('t_na/not_applicable'),
      error: delta('t_throws/error'),
    }).toEqual({ pass: 2, fail: 2, unsure: 2, na: 2, error: 2 });
    // A second read adds nothing: counts are added once.
    expect((await evaluations()).get('t_pass/passed')).toBe(after.get('t_pass/passed'));

    expect(part.failed).toEqual(['t_fail']);
    expect(part.unsure).toEqual([{ check: 't_unsure', escalation: undefined }]);
    expect(part.rows.map((r) => [r.evaluator, r.outcome])).toEqual([
      ['t_pass', 'pass'],
      ['t_fail', 'fail'],
      ['t_unsure', 'unsure'],
    ]);
    expect(part.rows[1]).toEqual({
      timestamp: job.timestamp,
      trace_id: job.trace_id,
      span_id: job.span_id,
      service: 'shop',
      provider: 'openai',
      model: 'gpt-4o-mini',
      route: '/chat',
      agent_name: 'planner',
      tool: '',
      evaluator: 't_fail',
      evaluator_version: '2',
      kind: 'check',
      score: 0,
      passed: 0,
      confidence: 0.9,
      outcome: 'fail',
      reason: 'bad',
      judge_model: '',
      input_tokens: 0,
      output_tokens: 0,
      cost_usd: 0,
      sample_weight: 4,
      scored_at: 1_700_000_001_000,
    });
  });
});
