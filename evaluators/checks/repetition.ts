import { z } from 'zod';
import { fail, pass, splitStorageMarker } from './text.ts';
import type { CheckDefinition } from './types.ts';

export const repetitionConfigSchema = z
  .object({
    /** n of the word n-grams compared. Default 4. */
    ngram_words: z.number().int().min(2).max(12).default(4),
    /** n of the character n-grams compared for scripts written without spaces (Chinese, Japanese, Thai). Default 8. */
    ngram_chars: z.number().int().min(2).max(32).default(8),
    /** Answers with fewer tokens are not judged (too short to loop). Default 40. */
    min_tokens: z.number().int().min(10).default(40),
    /** Highest share of n-grams that repeat an earlier one that still passes. Default 0.4. */
    max_repeated_share: z.number().min(0).max(1).default(0.4),
    /** Only the last this many characters are read: a degenerate loop runs to the end. Default 20000. */
    max_chars: z.number().int().min(1000).default(20_000),
  })
  .strict();

export type RepetitionConfig = z.output<typeof repetitionConfigSchema>;

const TOKEN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]|[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
const UNSPACED = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]$/u;

interface RepetitionStats {
  total: number;
  repeated: number;
  top: string;
  topCount: number;
}

/** Counts n-grams over tokens: how many repeat an earlier one, and the most frequent. */
function countNgrams(tokens: readonly string[], n: number, sep: string): RepetitionStats {
  const counts = new Map<string, number>();
  const stats: RepetitionStats = { total: 0, repeated: 0, top: '', topCount: 0 };
  for (let i = 0; i + n <= tokens.length; i++) {
    let key = tokens[i] as string;
    for (let k = 1; k < n; k++) key += sep + (tokens[i + k] as string);
    const c = (counts.get(key) ?? 0) + 1;
    counts.set(key, c);
    stats.total++;
    if (c > 1) stats.repeated++;
    if (c > stats.topCount) {
      stats.topCount = c;
      stats.top = key;
    }
  }
  return stats;
}

/** Degenerate loops: the share of word n-grams (character n-grams for unspaced scripts) that repeat. */
export const repetition: CheckDefinition<RepetitionConfig> = {
  id: 'repetition',
  version: '1',
  description: 'The answer loops: a large share of its word 4-grams repeat earlier ones.',
  configSchema: repetitionConfigSchema,
  requiresParams: false,
  create(config) {
    return (input) => {
      if (input.status === 'error') return null;
      const { text } = splitStorageMarker(input.response);
      const tail = text.length > config.max_chars ? text.slice(-config.max_chars) : text;
      const tokens = tail.toLowerCase().match(TOKEN) ?? [];
      if (tokens.length < config.min_tokens) return null;
      let unspaced = 0;
      for (const t of tokens) if (t.length === 1 && UNSPACED.test(t)) unspaced++;
      const byChar = unspaced * 2 > tokens.length;
      const n = byChar ? config.ngram_chars : config.ngram_words;
      const stats = countNgrams(tokens, n, byChar ? '' : ' ');
      if (stats.total === 0) return null;
      const share = stats.repeated / stats.total;
      const score = 1 - share;
      const top = stats.top.length > 60 ? `${stats.top.slice(0, 59)}…` : stats.top;
      const detail = `${Math.round(share * 100)}% of ${n}-grams repeated; "${top}" ×${stats.topCount}`;
      return share <= config.max_repeated_share
        ? pass(detail, score)
        : fail(`repetitive loop: ${detail}`, score);
    };
  },
};
