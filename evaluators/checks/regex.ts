import { z } from 'zod';
import { fail, pass, quote, splitStorageMarker } from './text.ts';
import type { CheckDefinition } from './types.ts';

const INLINE_FLAGS = /^\(\?([ims]+)\)/;

/**
 * Compiles a pattern written the way most regex dialects allow: a leading `(?i)` (or `(?im)`,
 * `(?s)`) sets flags, which JavaScript has no inline syntax for. Unicode mode when the pattern
 * allows it (`\p{L}`), else legacy mode so patterns from other dialects (`\-` outside a class)
 * still compile. Throws SyntaxError for an invalid pattern.
 */
export function compilePattern(pattern: string): RegExp {
  const m = INLINE_FLAGS.exec(pattern);
  const flags = m ? [...new Set(m[1])].join('') : '';
  const body = m ? pattern.slice(m[0].length) : pattern;
  try {
    return new RegExp(body, `${flags}u`);
  } catch {
    return new RegExp(body, flags);
  }
}

const patternList = z.array(
  z.string().superRefine((pattern, ctx) => {
    try {
      compilePattern(pattern);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
    }
  }),
);

export const regexConfigSchema = z
  .object({
    /** Every one of these patterns must match the answer (`(?i)` prefix: case-insensitive). Default []. */
    must_match: patternList.default([]),
    /** None of these may match the answer. Default []. */
    must_not_match: patternList.default([]),
  })
  .strict()
  .refine((c) => c.must_match.length + c.must_not_match.length > 0, {
    message: 'give at least one pattern in must_match or must_not_match',
  });

export type RegexConfig = z.output<typeof regexConfigSchema>;

/** Per-route must / must-not patterns over the answer, compiled once per config. */
export const regex: CheckDefinition<RegexConfig> = {
  id: 'regex',
  version: '1',
  description: 'The answer matches every must_match pattern and no must_not_match pattern.',
  configSchema: regexConfigSchema,
  requiresParams: true,
  create(config) {
    const must = config.must_match.map((p) => ({ source: p, re: compilePattern(p) }));
    const mustNot = config.must_not_match.map((p) => ({ source: p, re: compilePattern(p) }));
    return (input) => {
      if (input.status === 'error') return null;
      const { text } = splitStorageMarker(input.response);
      for (const p of must) {
        if (!p.re.test(text)) return fail(`does not match ${quote(p.source, 80)}`);
      }
      for (const p of mustNot) {
        const m = p.re.exec(text);
        if (m) return fail(`matches forbidden ${quote(p.source, 80)}: ${quote(m[0], 60)}`);
      }
      return pass('all patterns satisfied');
    };
  },
};
