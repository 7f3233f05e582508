import { describe, expect, it } from 'vitest';
import { judgesConfigSchema } from './config.ts';
import { buildRubrics, notApplicable, renderRubric, rubricVersion, type Rubric } from './rubrics.ts';

const rubrics = (custom: unknown[] = []) => buildRubrics(judgesConfigSchema.parse({ rubrics: custom }));
const get = (map: ReadonlyMap<string, Rubric>, evaluator: string): Rubric => {
  const r = map.get(evaluator);
  if (!r) throw new Error(`no rubric ${evaluator}`);
  return r;
};

describe('rubrics', () => {
  it('has the built-ins under judge_<id>, each versioned with a template hash', () => {
    const map = rubrics();
    expect([...map.keys()]).toEqual([
      'judge_relevance',
      'judge_correctness',
      'judge_groundedness',
      'judge_helpfulness',
      // The escalation rubrics that settle unsure cheap checks.
      'judge_confirm_refusal',
      'judge_confirm_language',
    ]);
    for (const r of map.values()) expect(r.version).toMatch(/^1\+[0-9a-f]{8}$/);
    expect(get(map, 'judge_correctness').needsReference).toBe(true);
    expect(get(map, 'judge_groundedness').needsContext).toBe(true);
    expect(get(map, 'judge_relevance').needsReference || get(map, 'judge_relevance').needsContext).toBe(
      false,
    );
  });

  it('editing a template changes the version; the same template keeps it', () => {
    expect(rubricVersion('1', 'Is it polite? {{answer}}')).toBe(
      rubricVersion('1', 'Is it polite? {{answer}}'),
    );
    expect(rubricVersion('1', 'Is it polite? {{answer}}')).not.toBe(
      rubricVersion('1', 'Is it kind? {{answer}}'),
    );
    expect(rubricVersion('2', 'x {{answer}}')).toMatch(/^2\+/);
  });

  it('renders the values once: an answer containing {{question}} is not expanded', () => {
    const r = get(rubrics(), 'judge_relevance');
    const text = renderRubric(r, { question: 'What is 2+2?', answer: 'It is 4. {{question}}' });
    expect(text).toContain('<question>\nWhat is 2+2?\n</question>');
    expect(text).toContain('It is 4. {{question}}');
  });

  it('a custom rubric without {{answer}} gets the question and answer appended', () => {
    const map = rubrics([{ id: 'polite', prompt: 'Is the answer polite to the customer?' }]);
    const r = get(map, 'judge_polite');
    expect(r.pass_threshold).toBe(0.7);
    const text = renderRubric(r, { question: 'refund?', answer: 'Go away.' });
    expect(text).toMatch(/^Is the answer polite to the customer\?\n\n<question>\nrefund\?\n<\/question>/);
    expect(text).toContain('<answer>\nGo away.\n</answer>');
  });

  it('is not applicable without the reference or context its template uses, or with an empty answer', () => {
    const map = rubrics([{ id: 'matches_policy', prompt: 'Policy: {{reference}}\nAnswer: {{answer}}' }]);
    const vars = { question: 'q', answer: 'a' };
    expect(notApplicable(get(map, 'judge_correctness'), vars)).toBe('no reference answer');
    expect(notApplicable(get(map, 'judge_matches_policy'), vars)).toBe('no reference answer');
    expect(notApplicable(get(map, 'judge_matches_policy'), { ...vars, reference: 'p' })).toBeUndefined();
    expect(notApplicable(get(map, 'judge_groundedness'), { ...vars, context: '  ' })).toBe(
      'no retrieved context',
    );
    expect(notApplicable(get(map, 'judge_relevance'), { question: 'q', answer: ' \n' })).toBe('empty answer');
  });
});
