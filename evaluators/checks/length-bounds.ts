import { z } from 'zod';
import { fail, pass, splitStorageMarker } from './text.ts';
import type { CheckDefinition } from './types.ts';

export const lengthBoundsConfigSchema = z
  .object({
    /** Fewest characters (code points) a good answer has. Default: unset (learned, see below). */
    min_chars: z.number().int().min(0).optional(),
    /** Most characters a good answer has. Default: unset (learned). */
    max_chars: z.number().int().min(1).optional(),
    /**
     * For a bound not set above, use the route's history: fail below p01 × `learned_low_factor`
     * or above p99 × `learned_high_factor` of the last day's answer lengths. Default true.
     */
    learned: z.boolean().default(true),
    /** Calls of history a route needs before learned bounds are used. Default 200. */
    min_history: z.number().int().min(1).default(200),
    /** Multiplier of the learned p01 giving the lower bound. Default 0.5. */
    learned_low_factor: z.number().min(0).max(1).default(0.5),
    /** Multiplier of the learned p99 giving the upper bound. Default 2. */
    learned_high_factor: z.number().min(1).default(2),
  })
  .strict()
  .refine((c) => c.min_chars === undefined || c.max_chars === undefined || c.min_chars <= c.max_chars, {
    message: 'min_chars must not exceed max_chars',
    path: ['min_chars'],
  });

export type LengthBoundsConfig = z.output<typeof lengthBoundsConfigSchema>;

const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/** Code points of the answer as the model wrote it: storage's marker says how many it dropped. */
function answerLength(response: string): number {
  const { text, dropped } = splitStorageMarker(response);
  const pairs = text.match(SURROGATE_PAIR)?.length ?? 0;
  return text.length - pairs + dropped;
}

/** The answer's length is within the configured bounds, or within the route's usual range. */
export const lengthBounds: CheckDefinition<LengthBoundsConfig> = {
  id: 'length_bounds',
  version: '1',
  description: "The answer's length is within configured bounds, or within the route's learned range.",
  configSchema: lengthBoundsConfigSchema,
  requiresParams: false,
  create(config, deps) {
    return (input) => {
      if (input.status === 'error') return null;
      if (input.finish_reason === 'tool_call' && input.response.trim() === '') return null;
      let min = config.min_chars;
      let max = config.max_chars;
      let source = 'configured';
      if ((min === undefined || max === undefined) && config.learned && deps.routeLengthStats) {
        const stats = deps.routeLengthStats(input.route);
        if (stats && stats.n >= config.min_history) {
          min ??= Math.floor(stats.p01 * config.learned_low_factor);
          max ??= Math.ceil(stats.p99 * config.learned_high_factor);
          source =
            config.min_chars === undefined && config.max_chars === undefined
              ? 'learned'
              : 'configured/learned';
        }
      }
      if (min === undefined && max === undefined) return null;
      const length = answerLength(input.response);
      const range = `[${min ?? 0}, ${max ?? '∞'}] (${source})`;
      if (min !== undefined && length < min)
        return fail(`answer too short: ${length} chars, bounds ${range}`);
      if (max !== undefined && length > max) return fail(`answer too long: ${length} chars, bounds ${range}`);
      return pass(`${length} chars within ${range}`);
    };
  },
};
