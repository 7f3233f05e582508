import { z } from 'zod';
import { REFUSAL_PHRASES } from './refusal-phrases.ts';
import { fail, normaliseForMatch, pass, splitStorageMarker } from './text.ts';
import type { CheckDefinition } from './types.ts';

const phraseList = z.array(z.string().trim().min(3, 'a phrase needs at least 3 characters'));

export const refusalConfigSchema = z
  .object({
    /** Replaces the built-in phrase lists entirely when set. Default: unset (built-in lists). */
    phrases: phraseList.optional(),
    /** Phrases added to the built-in (or replaced) list, e.g. a product's own refusal wording. Default []. */
    extra_phrases: phraseList.default([]),
    /**
     * Built-in lists used (ISO 639-1): `en`, `de`, `fr`, `es`, `pt`, `it`. Default: all of them.
     */
    languages: z
      .array(z.enum(Object.keys(REFUSAL_PHRASES) as [string, ...string[]]))
      .default(Object.keys(REFUSAL_PHRASES)),
    /**
     * Characters at the start of the answer searched. Refusals open the answer; a long helpful
     * answer that mentions "I am unable to" deep inside is not one. Default 400.
     */
    scan_chars: z.number().int().min(20).default(400),
    /** A `content_filter` finish (the provider's filter stopped the answer) counts as a refusal. Default true. */
    content_filter: z.boolean().default(true),
  })
  .strict();

export type RefusalConfig = z.output<typeof refusalConfigSchema>;

/** The model declined to answer: refusal phrasings in several languages, or a content-filter stop. */
export const refusal: CheckDefinition<RefusalConfig> = {
  id: 'refusal',
  version: '1',
  description:
    'The model refused ("I can\'t help with that", "As an AI language model", …) or was content-filtered.',
  configSchema: refusalConfigSchema,
  requiresParams: false,
  create(config) {
    const base = config.phrases ?? config.languages.flatMap((lang) => REFUSAL_PHRASES[lang] ?? []);
    const phrases = [...new Set([...base, ...config.extra_phrases].map(normaliseForMatch))];
    return (input) => {
      if (input.status === 'error') return null;
      if (config.content_filter && input.finish_reason === 'content_filter') {
        return fail('stopped by the provider content filter (finish_reason content_filter)');
      }
      const { text } = splitStorageMarker(input.response);
      // Normalising can change the length (NFKC), so cut with some slack and again after.
      const head = normaliseForMatch(text.slice(0, config.scan_chars + 40)).slice(0, config.scan_chars);
      if (head.trim() === '') return null;
      for (const phrase of phrases) {
        if (head.includes(phrase)) return fail(`refusal phrase "${phrase}"`);
      }
      return pass('no refusal phrase');
    };
  },
};
