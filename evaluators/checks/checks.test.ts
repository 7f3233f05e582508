import { describe, expect, it } from 'vitest';
import { CHECKS, isVerdict } from './index.ts';
import { MAX_REASON_CHARS } from '../scores/rows.ts';
import { callInput } from '../../test/support/checks.ts';

const PARAMS: Record<string, unknown> = {
  json_schema: { schema: { type: 'object' } },
  regex: { must_match: ['^x'], must_not_match: ['(?i)y$'] },
  length_bounds: { max_chars: 10 },
};

// Shapes that make careless patterns backtrack (long runs with no end match), at 100 KB: each
// check must still answer (quadratic regexes took 25 s here before they were bounded).
const N = 100_000;
const HOSTILE: Record<string, string> = {
  'one long word then a full stop': `${'a'.repeat(N)}.`,
  'a long run of spaces inside': `a${' '.repeat(N)}b.`,
  'digits separated by spaces': '1 '.repeat(N / 2),
  'plus signs and digits': '+1 '.repeat(N / 3),
  'open braces': '{'.repeat(N),
  'open brackets in JSON': '[{"a":'.repeat(N / 6),
  quotes: '"'.repeat(N),
  'at signs': 'a@'.repeat(N / 2),
  'dotted local part without a domain': `${'a.'.repeat(N / 2)}@`,
  'dashed digit groups': '123-'.repeat(N / 4),
  'code fences': '```\n'.repeat(N / 4),
  backticks: '`'.repeat(N),
  'mustache openers': '{{'.repeat(N / 2),
  'dollar braces': '${a'.repeat(N / 3),
  'chat token openers': '<|'.repeat(N / 2),
  'an HTML page without a title end': `<html><title>${'a'.repeat(N)}`,
  'sk- prefixes': 'sk-'.repeat(N / 3),
  'IBAN-like groups': 'DE89 '.repeat(N / 5),
  underscores: `${'_'.repeat(N)}x`,
  CJK: '退'.repeat(N),
  emoji: '🎉'.repeat(N / 2),
  'RTL words': 'مرحبا '.repeat(N / 6),
  'whitespace only': ' \n'.repeat(N / 2),
  'binary bytes': Array.from({ length: N }, (_, i) => String.fromCharCode(i % 32)).join(''),
  'lone surrogates (invalid UTF-16, as invalid UTF-8 decodes)': '\uD800a\uDC00\uFFFD'.repeat(N / 4),
  'mixed scripts': 'refund 退款 возврат استرداد 返金 환불 '.repeat(N / 40),
};

describe('every check', () => {
  const prompt = `system: ${'the rules '.repeat(1000)}\n\nuser: ${'1 '.repeat(5000)}`;
  it.each(Object.entries(HOSTILE))('returns a well-formed result on 100 KB of %s', (_name, response) => {
    for (const check of CHECKS) {
      const evaluate = check.create(check.configSchema.parse(PARAMS[check.id] ?? {}), {});
      const r = evaluate(callInput({ prompt, response }));
      if (!isVerdict(r)) continue;
      expect(r.score, check.id).toBeGreaterThanOrEqual(0);
      expect(r.score, check.id).toBeLessThanOrEqual(1);
      expect(r.reason.length, check.id).toBeLessThanOrEqual(MAX_REASON_CHARS);
      expect(r.reason, check.id).not.toBe('');
      expect(r.confidence, check.id).toBeGreaterThanOrEqual(0);
      expect(r.confidence, check.id).toBeLessThanOrEqual(1);
    }
  });

  it('has a unique lower_snake_case id, a version and a description', () => {
    const ids = CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of CHECKS) {
      expect(c.id).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(c.version).not.toBe('');
      expect(c.description).not.toBe('');
    }
  });

  it('accepts empty params exactly when it needs none', () => {
    for (const c of CHECKS) expect(c.configSchema.safeParse({}).success, c.id).toBe(!c.requiresParams);
  });
});
