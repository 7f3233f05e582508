import { z } from 'zod';
import { extractJson, parseJson } from './json-text.ts';
import { fail, pass, splitStorageMarker } from './text.ts';
import type { CheckDefinition } from './types.ts';

export const jsonValidConfigSchema = z
  .object({
    /**
     * Check every answer, prose included (a prose answer then fails): for routes that must answer
     * in JSON. Default false: only answers that attempt JSON (start with `{`/`[` or hold a
     * ```json fence) are checked.
     */
    always: z.boolean().default(false),
  })
  .strict();

export type JsonValidConfig = z.output<typeof jsonValidConfigSchema>;

/** An answer that attempts JSON parses (a Markdown fence around it is stripped). */
export const jsonValid: CheckDefinition<JsonValidConfig> = {
  id: 'json_valid',
  version: '1',
  description: 'An answer that attempts JSON (or every answer, with always: true) parses as JSON.',
  configSchema: jsonValidConfigSchema,
  requiresParams: false,
  create(config) {
    return (input) => {
      if (input.status === 'error') return null;
      const { text, dropped } = splitStorageMarker(input.response);
      // Storage cut the text: it cannot parse, and that is not the model's fault.
      if (dropped > 0) return null;
      const candidate = extractJson(text);
      if (!candidate) {
        if (!config.always || input.finish_reason === 'tool_call') return null;
        return fail(text.trim() ? 'answer is not JSON' : 'answer is empty, JSON expected');
      }
      const parsed = parseJson(candidate.source);
      if (!parsed.ok) return fail(`invalid JSON: ${parsed.error}`);
      return pass(candidate.fenced ? 'valid JSON (in a code fence)' : 'valid JSON');
    };
  },
};
