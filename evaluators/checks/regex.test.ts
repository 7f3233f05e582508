import { describe, expect, it } from 'vitest';
import { compilePattern, regex } from './regex.ts';
import { paramsError, runCheck } from '../../test/support/checks.ts';

const params = { must_match: ['^\\{'], must_not_match: ['(?i)as an ai'] };

describe('regex', () => {
  it.each([
    ['a JSON answer', '{"refund_id": "r-1"}', true],
    ['prose', 'Your refund was issued.', false],
    ['a forbidden phrase (case-insensitive)', '{"note": "As An AI, I think…"}', false],
    ['unicode and emoji', '{"msg": "退款 🎉"}', true],
  ])('%s', (_name, response, passed) => {
    expect(runCheck(regex, response, params)?.passed).toBe(passed);
  });

  it('says which pattern failed and what matched', () => {
    expect(runCheck(regex, 'Hello', params)?.reason).toBe('does not match "^\\\\{"');
    expect(runCheck(regex, '{"x": "as an AI model"}', params)?.reason).toBe(
      'matches forbidden "(?i)as an ai": "as an AI"',
    );
  });

  it('supports inline flags and unicode classes', () => {
    expect(compilePattern('(?i)refund').flags).toContain('i');
    expect(compilePattern('(?is)a.b').test('A\nB')).toBe(true);
    expect(compilePattern('^\\p{Lu}').test('Émile')).toBe(true);
    expect(compilePattern('a\\-b').test('a-b')).toBe(true);
  });

  it('is not applicable to failed calls', () => {
    expect(runCheck(regex, { status: 'error', response: 'x' }, params)).toBeNull();
  });

  it('rejects bad params', () => {
    expect(paramsError(regex, {})).toMatch(/at least one pattern/);
    expect(paramsError(regex, { must_match: ['(unclosed'] })).toMatch(
      /^must_match\.0: invalid regular expression/,
    );
    expect(paramsError(regex, { must_match: 'x' })).toMatch(/^must_match/);
  });
});
