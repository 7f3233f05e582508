import { describe, expect, it } from 'vitest';
import { ruleConfigSchema } from '../config.ts';
import type { AlertContext } from '../series/context.ts';
import { likelyCause } from './notice.ts';

const rule = ruleConfigSchema.parse({ name: 'sfr', metric: 'semantic_failure_rate' });

function context(over: Partial<AlertContext>): AlertContext {
  return {
    exampleTraceIds: [],
    models: [],
    failedEvaluators: [],
    failedCalls: 0,
    failedModels: [],
    errors: { window: { n: 100, k: 0 }, baseline: { n: 1000, k: 0 } },
    ...over,
  };
}

const causeOf = (over: Partial<AlertContext>) => likelyCause(rule, context(over));

describe('likelyCause', () => {
  it('names a model the baseline never saw even while the old one still answers most calls', () => {
    const cause = causeOf({
      models: [
        { model: 'acme-large-1', window: 60, baseline: 900 },
        { model: 'acme-large-2', window: 40, baseline: 0 },
      ],
    });
    expect(cause).toBe('response model changed: acme-large-1 → acme-large-2 (40% of calls in the window)');
  });

  it('says nothing about models when the mix is the baseline mix', () => {
    const cause = causeOf({
      models: [
        { model: 'a', window: 70, baseline: 700 },
        { model: 'b', window: 30, baseline: 300 },
      ],
    });
    expect(cause).toBe('');
  });

  it('ignores a rare new model (under a fifth of the window)', () => {
    const cause = causeOf({
      models: [
        { model: 'a', window: 90, baseline: 1000 },
        { model: 'b', window: 10, baseline: 0 },
      ],
    });
    expect(cause).toBe('');
  });

  it('names a rare new model early in a rollout when it answered most of the failing calls', () => {
    const cause = causeOf({
      models: [
        { model: 'acme-large-1', window: 53, baseline: 108 },
        { model: 'acme-large-2', window: 13, baseline: 0 },
      ],
      failedCalls: 13,
      failedModels: [{ model: 'acme-large-2', calls: 13 }],
      failedEvaluators: [{ evaluator: 'refusal', calls: 13 }],
    });
    expect(cause).toBe(
      'response model changed: acme-large-1 → acme-large-2 (20% of calls in the window, 100% of the failing calls); refusal failed on 100% of the failing calls',
    );
  });

  it('does not blame a rare new model that answered few of the failing calls', () => {
    const cause = causeOf({
      models: [
        { model: 'a', window: 90, baseline: 1000 },
        { model: 'b', window: 10, baseline: 0 },
      ],
      failedCalls: 20,
      failedModels: [
        { model: 'a', calls: 18 },
        { model: 'b', calls: 2 },
      ],
    });
    expect(cause).toBe('');
  });

  it('names the evaluator that dominates the failures and a rise in errors', () => {
    const cause = causeOf({
      failedCalls: 40,
      failedEvaluators: [
        { evaluator: 'refusal', calls: 36 },
        { evaluator: 'language_match', calls: 4 },
      ],
      errors: { window: { n: 100, k: 12 }, baseline: { n: 1000, k: 10 } },
    });
    expect(cause).toBe('refusal failed on 90% of the failing calls; error rate also rose from 1.0% to 12.0%');
  });
});
