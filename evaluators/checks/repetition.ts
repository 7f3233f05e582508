import { z } from 'zod';
import { fail, pass, splitStorageMarker } from './text.ts';
import type { CheckDefinition } from './types.ts';

export const repetitionConfigSchema = z
  .object({
    /** n of the word n-grams compared. Default 4. */
    ngram_words: z.number().int().min(2).max(12).default(4),
    /** n of the character n-grams compared for scripts written without spaces (Chinese, Japanese, Thai). Default 8. */
    ngram_chars: z.number().int().min(2).max(32).default(8),
    /**
     * Below this many tokens the share of repeated n-grams is not read (too few n-grams to mean
     * anything); short answers are judged by consecutive repeats instead. Default 40.
     */
    min_tokens: z.number().int().min(10).default(40),
    /**
     * A unit of 3 or more tokens (a sentence, a line) said this many times in a row is a loop,
     * at any length: "Refunds take five days." six times. Default 4.
     */
    min_unit_repeats: z.number().int().min(2).default(4),
    /** One or two tokens said this many times in a row is a loop ("the the the …"). Default 10. */
    min_token_repeats: z.number().int().min(3).default(10),
    /** Highest share of n-grams that repeat an earlier one that still passes. Default 0.4. */
    max_repeated_share: z.number().min(0).max(1).default(0.4),
    /** Only the last this many characters are read: a degenerate loop runs to the end. Default 1500. */
    max_chars: z.number().int().min(500).default(1500),
  })
  .strict();

export type RepetitionConfig = z.output<typeof repetitionConfigSchema>;

const TOKEN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]|[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
const UNSPACED = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]$/u;

interface RepetitionStats {
  total: number;
  repeated: number;
  topCount: number;
}

/** Tokens as small integers (equal tokens, equal ids): comparing and hashing numbers is cheap. */
function tokenIds(tokens: readonly string[]): Int32Array {
  const ids = new Map<string, number>();
  const out = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    let id = ids.get(t);
    if (id === undefined) {
      id = ids.size;
      ids.set(t, id);
    }
    out[i] = id;
  }
  return out;
}

/**
 * Counts n-grams over token ids: how many repeat an earlier one, and the most frequent (by its
 * start). An n-gram's key is two independent 26-bit hashes of its ids in one safe integer, so a
 * collision between two different n-grams of one answer is negligible.
 */
function countNgrams(ids: Int32Array, n: number): RepetitionStats & { topAt: number } {
  const counts = new Map<number, number>();
  const stats = { total: 0, repeated: 0, topCount: 0, topAt: 0 };
  for (let i = 0; i + n <= ids.length; i++) {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let k = 0; k < n; k++) {
      const v = ids[i + k] as number;
      h1 = Math.imul(h1 ^ v, 0x01000193);
      h2 = Math.imul(h2 ^ v, 0x5bd1e995) ^ (h2 >>> 15);
    }
    const key = (h1 >>> 6) * 0x4000000 + (h2 >>> 6);
    const c = (counts.get(key) ?? 0) + 1;
    counts.set(key, c);
    stats.total++;
    if (c > 1) stats.repeated++;
    if (c > stats.topCount) {
      stats.topCount = c;
      stats.topAt = i;
    }
  }
  return stats;
}

/** Tokens read for back-to-back repeats: a degenerate loop runs to the end of the answer. */
const RUN_WINDOW = 300;
/** Longest unit (tokens) looked for as a back-to-back repeat. */
const MAX_UNIT = 40;

interface Run {
  unit: number;
  repeats: number;
  start: number;
}

/**
 * The longest back-to-back repeat in `tokens`: for each unit length p, the longest stretch where
 * every token equals the one p before it. Linear in tokens × MAX_UNIT, on the last RUN_WINDOW.
 */
function longestRun(tokens: Int32Array, minUnitRepeats: number, minTokenRepeats: number): Run | null {
  const from = Math.max(0, tokens.length - RUN_WINDOW);
  let best: Run | null = null;
  let bestCover = 0;
  for (let p = 1; p <= MAX_UNIT && from + 2 * p <= tokens.length; p++) {
    let len = 0;
    for (let i = from + p; i <= tokens.length; i++) {
      if (i < tokens.length && tokens[i] === tokens[i - p]) {
        len++;
        continue;
      }
      const repeats = Math.floor(len / p) + 1;
      const need = p < 3 ? minTokenRepeats : minUnitRepeats;
      if (repeats >= need && repeats * p > bestCover) {
        bestCover = repeats * p;
        best = { unit: p, repeats, start: i - len - p };
      }
      len = 0;
    }
  }
  return best;
}

/**
 * Degenerate loops: the same unit said back to back many times (any length), or, on longer
 * answers, a large share of word n-grams (character n-grams for unspaced scripts) that repeat.
 */
export const repetition: CheckDefinition<RepetitionConfig> = {
  id: 'repetition',
  version: '2',
  description:
    'The answer loops: a unit said back to back many times, or a large share of its word 4-grams repeat earlier ones.',
  configSchema: repetitionConfigSchema,
  requiresParams: false,
  create(config) {
    return (input) => {
      if (input.status === 'error') return null;
      const { text } = splitStorageMarker(input.response);
      const tail = text.length > config.max_chars ? text.slice(-config.max_chars) : text;
      const tokens = tail.toLowerCase().match(TOKEN) ?? [];
      const ids = tokenIds(tokens);
      const run = longestRun(ids, config.min_unit_repeats, config.min_token_repeats);
      if (run) {
        const unit = tokens.slice(run.start, run.start + run.unit).join(' ');
        const shown = unit.length > 60 ? `${unit.slice(0, 59)}…` : unit;
        const share = Math.min(1, (run.unit * run.repeats) / tokens.length);
        // Twice the repeats needed leaves no doubt; just enough may be a refrain or a chant.
        const need = run.unit < 3 ? config.min_token_repeats : config.min_unit_repeats;
        return fail(
          `repetitive loop: "${shown}" ×${run.repeats} in a row`,
          1 - share,
          run.repeats >= 2 * need ? 1 : 0.85,
        );
      }
      if (tokens.length < config.min_tokens) return tokens.length === 0 ? null : pass('no loop');
      let unspaced = 0;
      for (const t of tokens) if (t.length === 1 && UNSPACED.test(t)) unspaced++;
      const byChar = unspaced * 2 > tokens.length;
      const n = byChar ? config.ngram_chars : config.ngram_words;
      const stats = countNgrams(ids, n);
      if (stats.total === 0) return null;
      const share = stats.repeated / stats.total;
      const score = 1 - share;
      const gram = tokens.slice(stats.topAt, stats.topAt + n).join(byChar ? '' : ' ');
      const top = gram.length > 60 ? `${gram.slice(0, 59)}…` : gram;
      const detail = `${Math.round(share * 100)}% of ${n}-grams repeated; "${top}" ×${stats.topCount}`;
      // How sure: by the distance of the share from the threshold (a share just over it may be a
      // list of similar items).
      const margin = Math.abs(share - config.max_repeated_share);
      const confidence = margin >= 0.2 ? 1 : 0.8 + margin;
      return share <= config.max_repeated_share
        ? pass(detail, score, confidence)
        : fail(`repetitive loop: ${detail}`, score, confidence);
    };
  },
};
