import { describe, expect, it } from 'vitest';
import { runCheck } from '../../test/support/checks.ts';
import { contentFiltered } from './content-filtered.ts';

describe('content_filtered', () => {
  it.each([
    ['a normal answer', { finish_reason: 'stop', content_filter: '' }],
    ['a guardrail that let it through (Bedrock NONE)', { content_filter: 'none' }],
    ['a guardrail that passed', { content_filter: 'pass' }],
    ['a Model Armor scan without a match', { content_filter: 'no_match_found' }],
    ['a tool call', { finish_reason: 'tool_call', response: '' }],
  ])('passes %s', (_name, over) => {
    expect(runCheck(contentFiltered, over)).toMatchObject({ passed: true, score: 1, confidence: 1 });
  });

  it.each([
    [
      'a content_filter finish (OpenAI, Azure, Gemini SAFETY as normalised)',
      { finish_reason: 'content_filter', response: '' },
      'content filter stopped the answer',
    ],
    ["the collector's filtered mark", { content_filter: 'filtered' }, 'content filter stopped the answer'],
    [
      'a Bedrock guardrail intervention',
      { content_filter: 'guardrail_intervened' },
      'a guardrail intervened (result "guardrail_intervened")',
    ],
    [
      "a prompt Azure's content filter stopped",
      { content_filter: 'prompt_filtered' },
      'content filter stopped the prompt',
    ],
    [
      'a Model Armor match',
      { content_filter: 'match_found' },
      'a guardrail intervened (result "match_found")',
    ],
    [
      'a blocked guardrail result',
      { content_filter: 'BLOCKED' },
      'a guardrail intervened (result "blocked")',
    ],
  ])('fails %s', (_name, over, reason) => {
    const r = runCheck(contentFiltered, over);
    expect(r).toMatchObject({ passed: false, confidence: 1 });
    expect(r?.reason).toContain(reason);
  });

  it('is unsure of a guardrail result it does not know, unless configured', () => {
    expect(runCheck(contentFiltered, { content_filter: 'escalated' })).toMatchObject({ confidence: 0.5 });
    expect(
      runCheck(contentFiltered, { content_filter: 'escalated' }, { intervened_results: ['escalated'] }),
    ).toMatchObject({ passed: false, confidence: 1 });
    expect(
      runCheck(contentFiltered, { content_filter: 'Reviewed' }, { allowed_results: ['reviewed'] }),
    ).toMatchObject({
      passed: true,
    });
  });

  it('is not applicable to a failed call (the error rate counts it)', () => {
    expect(runCheck(contentFiltered, { status: 'error', finish_reason: 'content_filter' })).toBeNull();
  });
});
