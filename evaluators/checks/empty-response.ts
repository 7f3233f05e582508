import { z } from 'zod';
import { fail, pass, quote, splitStorageMarker } from './text.ts';
import type { CheckDefinition } from './types.ts';

export const emptyResponseConfigSchema = z
  .object({
    /**
     * An answer with fewer letters or digits than this is empty (whitespace, zero-width
     * characters, lone punctuation like `.` or `…`). Default 1.
     */
    min_meaningful_chars: z.number().int().min(1).default(1),
  })
  .strict();

export type EmptyResponseConfig = z.output<typeof emptyResponseConfigSchema>;

// Letters, digits and pictographs carry meaning; an emoji-only answer (“👍”) is terse, not empty.
const MEANINGFUL = /[\p{L}\p{N}\p{Extended_Pictographic}]/gu;
// `String.prototype.trim` keeps zero-width spaces and joiners; models do emit them alone.
const INVISIBLE = /[\s\u200b-\u200d\u2060\ufeff]/g;

/** Empty, whitespace-only or punctuation-only answers returned with status ok. */
export const emptyResponse: CheckDefinition<EmptyResponseConfig> = {
  id: 'empty_response',
  version: '1',
  description: 'The answer is empty, whitespace or only punctuation.',
  configSchema: emptyResponseConfigSchema,
  requiresParams: false,
  create(config) {
    return (input) => {
      // A failed call has no answer by definition; its failure is already in `status`.
      if (input.status === 'error') return null;
      const { text } = splitStorageMarker(input.response);
      let meaningful = 0;
      MEANINGFUL.lastIndex = 0;
      while (meaningful < config.min_meaningful_chars && MEANINGFUL.exec(text)) meaningful++;
      if (meaningful >= config.min_meaningful_chars) return pass('answer has content');
      // The model answered with a tool call: no text is expected.
      if (input.finish_reason === 'tool_call') return pass('tool call, no text expected');
      if (text.replace(INVISIBLE, '') === '')
        return fail(text.length ? 'answer is only whitespace' : 'answer is empty');
      return fail(`answer is only punctuation: ${quote(text, 30)}`);
    };
  },
};
