import { z } from 'zod';
import { CharClasses, fail, pass, splitStorageMarker } from './text.ts';
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
     * at any length: "Refunds take five days." six times. One fewer in an answer that hit the
     * token limit (finish_reason length): the loop ran into the limit before it could show them
     * all. Default 4.
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

/** Character classes of the tokenizer: not part of a word, a letter or digit, an unspaced-script character. */
const OTHER = 1;
const WORD = 2;
const UNSPACED = 3;
/** An unspaced-script character that is also a letter: a word already begun reads on through it. */
const UNSPACED_LETTER = 4;
const UNSPACED_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;
const WORD_CHAR = /[\p{L}\p{N}]/u;
const CLASSES = new CharClasses((ch) => {
  if (UNSPACED_CHAR.test(ch)) return WORD_CHAR.test(ch) ? UNSPACED_LETTER : UNSPACED;
  return WORD_CHAR.test(ch) ? WORD : OTHER;
});
const BMP_CLASS = CLASSES.table;

/** Joiners inside a word: "don't", "don’t", "well-known". */
const isJoiner = (c: number): boolean => c === 39 || c === 0x2019 || c === 45;

/**
 * The answer's tokens without building a string each: runs of letters and digits (joined by an
 * apostrophe or hyphen between two letters), and every Han, kana or Thai character on its own —
 * unless a run of letters or digits has begun, which reads on through them ("1958年から"), as the
 * regular expression this replaces did and the thresholds were tuned with.
 * Each token is an FNV-1a hash of its code units (equal tokens, equal ids; a collision between two
 * tokens of one answer is negligible at 32 bits) with its start and end offsets.
 */
interface Tokens {
  ids: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
  length: number;
  unspaced: number;
}

// Scratch arrays reused by every call (checks run synchronously, one at a time): allocating
// typed arrays per answer cost more than tokenizing it.
let scratch = new Int32Array(0);
function scratchFor(size: number): Int32Array {
  if (scratch.length < size) scratch = new Int32Array(Math.max(size, 2 * scratch.length, 4096));
  return scratch;
}

/** Tokenizes `text`. The result lives in shared scratch memory: valid until the next call. */
function tokenize(text: string): Tokens {
  const len = text.length;
  const buf = scratchFor(3 * len);
  const ids = buf.subarray(0, len);
  const starts = buf.subarray(len, 2 * len);
  const ends = buf.subarray(2 * len, 3 * len);
  let n = 0;
  let unspaced = 0;
  let i = 0;
  let h = 0;
  let start = -1; // the start of the word being read, -1 between words
  while (i < len) {
    const c = text.charCodeAt(i);
    let k = BMP_CLASS[c] as number;
    let width = 1;
    if (k === 0 || (c >= 0xd800 && c <= 0xdbff)) {
      const at = CLASSES.at(text, i);
      k = at >> 2;
      width = at & 3;
    }
    if (k === WORD || (k === UNSPACED_LETTER && start >= 0)) {
      if (start < 0) {
        start = i;
        h = 0x811c9dc5;
      }
      h = Math.imul(h ^ c, 0x01000193);
      if (width === 2) h = Math.imul(h ^ text.charCodeAt(i + 1), 0x01000193);
      i += width;
      continue;
    }
    // A joiner between two letters or digits continues the word: "don't", "well-known".
    const next = start >= 0 && isJoiner(c) && i + 1 < len ? CLASSES.at(text, i + 1) >> 2 : OTHER;
    if (next === WORD || next === UNSPACED_LETTER) {
      h = Math.imul(h ^ c, 0x01000193);
      i++;
      continue;
    }
    if (start >= 0) {
      ids[n] = h;
      starts[n] = start;
      ends[n] = i;
      n++;
      start = -1;
    }
    if (k === UNSPACED || k === UNSPACED_LETTER) {
      let u = Math.imul(0x811c9dc5 ^ c, 0x01000193);
      if (width === 2) u = Math.imul(u ^ text.charCodeAt(i + 1), 0x01000193);
      ids[n] = u;
      starts[n] = i;
      ends[n] = i + width;
      n++;
      unspaced++;
    }
    i += width;
  }
  if (start >= 0) {
    ids[n] = h;
    starts[n] = start;
    ends[n] = len;
    n++;
  }
  return { ids: ids.subarray(0, n), starts, ends, length: n, unspaced };
}

/** Tokens `from` to `to` (exclusive) of `text`, joined by `sep`. */
function tokenText(text: string, t: Tokens, from: number, to: number, sep: string): string {
  const parts: string[] = [];
  for (let i = from; i < Math.min(to, t.length); i++) parts.push(text.slice(t.starts[i], t.ends[i]));
  return parts.join(sep);
}

interface RepetitionStats {
  total: number;
  repeated: number;
  topCount: number;
}

/**
 * Counts n-grams over token ids: how many repeat an earlier one, and the most frequent (by its
 * start). An n-gram's key is two independent 32-bit hashes of its ids, kept in an open-addressing
 * table, so a collision between two different n-grams of one answer is negligible.
 */
let table = new Int32Array(0);
function countNgrams(ids: Int32Array, n: number): RepetitionStats & { topAt: number } {
  const stats = { total: 0, repeated: 0, topCount: 0, topAt: 0 };
  const grams = ids.length - n + 1;
  if (grams <= 0) return stats;
  let size = 64;
  while (size < grams * 2) size *= 2;
  const mask = size - 1;
  // Slot s holds keys[2s], keys[2s+1] and counts[s]; a count of 0 marks an empty slot.
  if (table.length < size * 3) table = new Int32Array(Math.max(size * 3, 2 * table.length));
  const keys = table.subarray(0, size * 2);
  const counts = table.subarray(size * 2, size * 3);
  counts.fill(0);
  for (let i = 0; i < grams; i++) {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let k = 0; k < n; k++) {
      const v = ids[i + k] as number;
      h1 = Math.imul(h1 ^ v, 0x01000193);
      h2 = Math.imul(h2 ^ v, 0x5bd1e995) ^ (h2 >>> 15);
    }
    let s = (h1 ^ (h2 >>> 7)) & mask;
    while (counts[s] !== 0 && (keys[2 * s] !== h1 || keys[2 * s + 1] !== h2)) s = (s + 1) & mask;
    if (counts[s] === 0) {
      keys[2 * s] = h1;
      keys[2 * s + 1] = h2;
    }
    const c = (counts[s] as number) + 1;
    counts[s] = c;
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
 * every token equals the one p before it, on the last RUN_WINDOW tokens. A stretch that counts
 * is at least (repeats needed − 1) × p long, so it holds a multiple of that length: only those
 * positions are probed, and a probe that matches is widened to its whole stretch.
 */
function longestRun(tokens: Int32Array, minUnitRepeats: number, minTokenRepeats: number): Run | null {
  const from = Math.max(0, tokens.length - RUN_WINDOW);
  let best: Run | null = null;
  let bestCover = 0;
  for (let p = 1; p <= MAX_UNIT && from + 2 * p <= tokens.length; p++) {
    const need = p < 3 ? minTokenRepeats : minUnitRepeats;
    const stride = (need - 1) * p;
    let i = from + p + stride - 1;
    while (i < tokens.length) {
      if (tokens[i] !== tokens[i - p]) {
        i += stride;
        continue;
      }
      let start = i;
      while (start > from + p && tokens[start - 1] === tokens[start - 1 - p]) start--;
      let end = i + 1;
      while (end < tokens.length && tokens[end] === tokens[end - p]) end++;
      const len = end - start;
      const repeats = Math.floor(len / p) + 1;
      if (repeats >= need && repeats * p > bestCover) {
        bestCover = repeats * p;
        best = { unit: p, repeats, start: start - p };
      }
      i = end + stride;
    }
  }
  return best;
}

/** Longest unit (characters) looked for as a back-to-back repeat of symbols. */
const MAX_SYMBOL_UNIT = 32;
/** Characters a run of symbols must cover to be a loop: longer than any rule line or separator. */
const MIN_SYMBOL_RUN = 200;
/** Characters (whitespace aside) a run of symbols may leave after it and still be the answer's end. */
const SYMBOL_RUN_TAIL = 16;
/** A "word" this long is no word: "endendend…", "D000000…". */
const RUN_ON_WORD = 100;

interface SymbolRun {
  unit: string;
  repeats: number;
}

/**
 * The longest back-to-back repeat of a unit of up to MAX_SYMBOL_UNIT characters in `text`
 * covering MIN_SYMBOL_RUN characters or more and running to its end — read only where the token
 * rules cannot see a loop: "-----…", "|   |   |" rows, "```" lines, emoji, thousands of spaces,
 * "endendend…". A stretch that counts holds a probe every MIN_SYMBOL_RUN / 2 characters, so only
 * those positions are probed, and a probe that matches is widened to its whole stretch.
 */
function longestSymbolRun(text: string): SymbolRun | null {
  let best: SymbolRun | null = null;
  let bestCover = 0;
  const stride = MIN_SYMBOL_RUN / 2;
  for (let p = 1; p <= MAX_SYMBOL_UNIT && 2 * p <= text.length; p++) {
    let i = p + stride - 1;
    while (i < text.length) {
      if (text.charCodeAt(i) !== text.charCodeAt(i - p)) {
        i += stride;
        continue;
      }
      let start = i;
      while (start > p && text.charCodeAt(start - 1) === text.charCodeAt(start - 1 - p)) start--;
      let end = i + 1;
      while (end < text.length && text.charCodeAt(end) === text.charCodeAt(end - p)) end++;
      const cover = end - start + p;
      // A degenerate loop runs to the end: a drawing's repeated rows or a long rule line with
      // the answer going on after it are not one.
      if (cover >= MIN_SYMBOL_RUN && cover > bestCover && text.slice(end).trim().length <= SYMBOL_RUN_TAIL) {
        bestCover = cover;
        best = { unit: text.slice(start - p, start), repeats: Math.floor(cover / p) };
      }
      i = end + stride;
    }
  }
  return best;
}

/**
 * A loop of characters is looked for only where the token rules cannot see one: letters and
 * digits are under half the characters, or one "word" runs on for RUN_ON_WORD characters.
 */
function wordsCannotTell(t: Tokens, length: number): boolean {
  let letters = 0;
  for (let i = 0; i < t.length; i++) {
    const n = (t.ends[i] as number) - (t.starts[i] as number);
    if (n >= RUN_ON_WORD) return true;
    letters += n;
  }
  return letters * 2 < length;
}

/** A unit as a reason shows it: quoted and escaped, so spaces and line breaks can be seen. */
const showUnit = (unit: string): string => JSON.stringify(unit.length > 40 ? `${unit.slice(0, 39)}…` : unit);

/**
 * Degenerate loops: the same unit said back to back many times (any length), or, on longer
 * answers, a large share of word n-grams (character n-grams for unspaced scripts) that repeat.
 */
export const repetition: CheckDefinition<RepetitionConfig> = {
  id: 'repetition',
  version: '4',
  description:
    'The answer loops: a unit said back to back many times (words, or symbols where there are few words), or a large share of its word 4-grams repeat earlier ones.',
  configSchema: repetitionConfigSchema,
  requiresParams: false,
  create(config) {
    return (input) => {
      if (input.status === 'error') return null;
      const { text } = splitStorageMarker(input.response);
      const tail = text.length > config.max_chars ? text.slice(-config.max_chars) : text;
      const lower = tail.toLowerCase();
      const tokens = tokenize(lower);
      const ids = tokens.ids;
      const unitRepeats =
        input.finish_reason === 'length' ? Math.max(2, config.min_unit_repeats - 1) : config.min_unit_repeats;
      const run = longestRun(ids, unitRepeats, config.min_token_repeats);
      if (run) {
        const unit = tokenText(lower, tokens, run.start, run.start + run.unit, ' ');
        const shown = unit.length > 60 ? `${unit.slice(0, 59)}…` : unit;
        const share = Math.min(1, (run.unit * run.repeats) / tokens.length);
        // Twice the repeats needed leaves no doubt; just enough may be a refrain or a chant.
        const need = run.unit < 3 ? config.min_token_repeats : unitRepeats;
        return fail(
          `repetitive loop: "${shown}" ×${run.repeats} in a row`,
          1 - share,
          run.repeats >= 2 * need ? 1 : 0.85,
        );
      }
      if (wordsCannotTell(tokens, tail.length)) {
        const symbols = longestSymbolRun(tail);
        if (symbols)
          return fail(
            `repetitive loop: ${showUnit(symbols.unit)} ×${symbols.repeats} in a row`,
            1 - Math.min(1, (symbols.unit.length * symbols.repeats) / tail.length),
          );
      }
      if (tokens.length < config.min_tokens) return tokens.length === 0 ? null : pass('no loop');
      const byChar = tokens.unspaced * 2 > tokens.length;
      const n = byChar ? config.ngram_chars : config.ngram_words;
      const stats = countNgrams(ids, n);
      if (stats.total === 0) return null;
      const share = stats.repeated / stats.total;
      const score = 1 - share;
      const gram = tokenText(lower, tokens, stats.topAt, stats.topAt + n, byChar ? '' : ' ');
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
