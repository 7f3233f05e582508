import { describe, expect, it } from 'vitest';
import { emptyResponse } from './empty-response.ts';
import { paramsError, proseText, runCheck } from '../../test/support/checks.ts';

describe('empty_response', () => {
  it.each([
    ['a normal answer', 'Your refund was issued on Monday.', true],
    ['a one-word answer', 'Yes', true],
    ['a number', '42', true],
    ['an emoji-only answer', '👍', true],
    ['a CJK answer', '您的退款已处理。', true],
    ['an RTL answer', 'تمت معالجة طلبك.', true],
    ['a 100 KB answer', proseText(100_000), true],
    ['an empty answer', '', false],
    ['whitespace and newlines', '  \n\t \n', false],
    ['zero-width characters', '\u200b\u200b\ufeff', false],
    ['only punctuation', ' ... ', false],
    ['only an ellipsis and quotes', '"…"', false],
    ['an empty answer cut by storage (marker only)', '…[truncated 0 chars]', false],
  ])('%s', (_name, response, passed) => {
    expect(runCheck(emptyResponse, response)?.passed).toBe(passed);
  });

  it('says what the empty answer was', () => {
    expect(runCheck(emptyResponse, '')?.reason).toBe('answer is empty');
    expect(runCheck(emptyResponse, ' \n ')?.reason).toBe('answer is only whitespace');
    expect(runCheck(emptyResponse, '...')?.reason).toBe('answer is only punctuation: "..."');
  });

  it('does not call an empty text with a tool call empty', () => {
    const r = runCheck(emptyResponse, { response: '', finish_reason: 'tool_call' });
    expect(r).toMatchObject({ passed: true, score: 1 });
  });

  it('does not apply to failed calls (their failure is in status)', () => {
    expect(runCheck(emptyResponse, { response: '', status: 'error' })).toBeNull();
  });

  it('honours min_meaningful_chars', () => {
    expect(runCheck(emptyResponse, 'k', { min_meaningful_chars: 3 })?.passed).toBe(false);
    expect(runCheck(emptyResponse, 'okay', { min_meaningful_chars: 3 })?.passed).toBe(true);
  });

  it('rejects bad params', () => {
    expect(paramsError(emptyResponse, { min_meaningful_chars: 0 })).toMatch(/^min_meaningful_chars/);
    expect(paramsError(emptyResponse, { min_chars: 3 })).toMatch(/unrecognized key/i);
  });
});
