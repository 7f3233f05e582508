import { z } from 'zod';
import { languageIdentifier } from './language-id.ts';
import { ISO3_TO_ISO1, sameLanguage } from './language-codes.ts';
import { CharClasses, fail, lastUserMessage, pass, splitStorageMarker, withoutCode } from './text.ts';
import type { CheckDefinition, LanguageGuess, LanguageIdentifier } from './types.ts';

const languageCode = z
  .string()
  .regex(/^[a-z]{2,3}$/, 'an ISO 639-1 or 639-3 code such as "de" or "deu"')
  .transform((code, ctx) => {
    if (code.length === 2) return code;
    const iso1 = ISO3_TO_ISO1[code];
    if (!iso1) ctx.addIssue({ code: 'custom', message: `unknown ISO 639-3 code "${code}"; use ISO 639-1` });
    return iso1 ?? code;
  });

/** A rendered tool call on a line of its own (`collector/conventions/messages.ts` renderToolCall). */
const TOOL_CALL_LINE = /^tool_call [^\n(]*\(.*\)$/gm;

export const languageMatchConfigSchema = z
  .object({
    /**
     * Language(s) the answer must be in (ISO 639-1 such as `de`, or 639-3 such as `deu`),
     * typically set per route. Default: unset — the answer must be in the language of the last
     * user message.
     */
    expected: z.union([languageCode, z.array(languageCode).min(1)]).optional(),
    /**
     * Letters (code, URLs, quotes, digits and punctuation removed) each side needs before it is
     * identified; CJK and Thai characters count double. Below, the check is not applicable.
     * Default 12.
     */
    min_letters: z.number().int().min(4).default(12),
    /**
     * Lowest probability of the identifier's top language for a side to count as identified;
     * a text read less surely gives no verdict. Default 0.5.
     */
    min_probability: z.number().min(0).max(1).default(0.5),
    /**
     * A mismatch is reported only when the answer gives the expected language at most this
     * probability, in every stretch of it long enough to read. Default 0.05.
     */
    max_expected_probability: z.number().min(0).max(1).default(0.05),
    /**
     * Characters of cleaned text read from each side. Identification cost grows with it (about
     * 0.2 µs a character) while 80–200 characters are already identified right 100 % of the time
     * in bench:quality. Default 120.
     */
    sample_chars: z.number().int().min(50).max(4096).default(120),
    /** Not applicable when the user asks for a translation (the answer is meant to differ). Default true. */
    skip_translations: z.boolean().default(true),
  })
  .strict();

export type LanguageMatchConfig = z.output<typeof languageMatchConfigSchema>;

// Raw characters cleaned per text, per character of sample wanted: enough for `sample_chars` of
// letters after code and noise are removed, bounded so long answers stay cheap.
const RAW_PER_SAMPLE_CHAR = 4;
const RAW_CHARS = 2500;
// Quoted stretches in any script: what the answer cites is not what it is written in.
const QUOTED =
  /"[^"\n]{1,400}"|“[^”\n]{1,400}”|„[^“”\n]{1,400}[“”]|«[^»\n]{1,400}»|「[^」\n]{1,400}」|『[^』\n]{1,400}』/g;
const BLOCKQUOTE = /^>.*$/gm;
const JSON_LIKE = /[{[][^\n]*[}\]]/g;
// Each kind of noise is removed only when a cheap test says it can be there: a pattern such as
// an email's, tried at every position of a long answer, costs more than identifying the language.
const REDACTION = /\[REDACTED:[a-z_]+\]/g;
const URL = /(?:https?:\/\/|www\.)\S+/g;
const EMAIL = /\S+@\S+/g;
const FILE_OR_DOMAIN = /\S+\.(?:com|org|net|io|dev|json|ts|js|py)\b/g;
const HAS_FILE_OR_DOMAIN = /\.(?:com|org|net|io|dev|json|ts|js|py)\b/;
// Digits, punctuation, symbols and whitespace: one run of them becomes one space.
const NON_LETTER = /^[\p{N}\p{P}\p{S}_\s]$/u;
const KEPT = 1;
const SEPARATOR = 2;
const CLASSES = new CharClasses((ch) => (NON_LETTER.test(ch) ? SEPARATOR : KEPT));

let scratch = new Uint16Array(1024);

/**
 * `text` with each run of digits, punctuation, symbols and whitespace made one space, trimmed —
 * read only until more than `limit` + 1 characters are written: callers cut the result at
 * `limit`, and what follows cannot change it.
 */
function lettersOnly(text: string, limit: number): string {
  if (scratch.length < text.length) scratch = new Uint16Array(text.length * 2);
  const out = scratch;
  let n = 0;
  let gap = false; // a separator run is pending (written only before the next letter)
  let i = 0;
  while (i < text.length && n <= limit + 1) {
    const c = text.charCodeAt(i);
    const at = CLASSES.at(text, i);
    const width = at & 3;
    if (at >> 2 === SEPARATOR) {
      gap = n > 0;
    } else {
      if (gap) out[n++] = 32;
      gap = false;
      out[n++] = c;
      if (width === 2) out[n++] = text.charCodeAt(i + 1);
    }
    i += width;
  }
  return String.fromCharCode.apply(null, out.subarray(0, n) as unknown as number[]);
}

const QUOTE_OPENERS = /["“„«「『]/;
// What code (` or ~~~), a blockquote, a quote, JSON, a redaction tag, a URL or an email cannot do without.
const MAYBE_NOISE = /[`~>"“„«「『{[@]|:\/\/|www\./;
const TRANSLATION =
  /translat|übersetz|tradu[cizé]|tłumacz|vertaal|översätt|oversæt|oversett|käännä|перев[её]д|переклад|翻译|翻譯|翻訳|번역|ترجم|תרגמ|अनुवाद|çevir|dịch/i;

/** The prose of a text: no code, quotes, JSON, URLs, addresses, digits or punctuation. */
function prose(text: string, chars: number): string {
  let t = text.slice(0, Math.min(RAW_CHARS, chars * RAW_PER_SAMPLE_CHAR));
  // One scan for the characters every kind of noise but file names needs; plain prose has none.
  if (MAYBE_NOISE.test(t)) {
    t = withoutCode(t);
    if (t.includes('>')) t = t.replace(BLOCKQUOTE, ' ');
    if (QUOTE_OPENERS.test(t)) t = t.replace(QUOTED, ' ');
    if (t.includes('{') || t.includes('[')) t = t.replace(JSON_LIKE, ' ').replace(REDACTION, ' ');
    if (t.includes('://') || t.includes('www.')) t = t.replace(URL, ' ');
    if (t.includes('@')) t = t.replace(EMAIL, ' ');
  }
  if (HAS_FILE_OR_DOMAIN.test(t)) t = t.replace(FILE_OR_DOMAIN, ' ');
  const clean = lettersOnly(t, chars);
  if (clean.length <= chars) return clean;
  const cut = clean.lastIndexOf(' ', chars);
  return clean.slice(0, cut > chars / 2 ? cut : chars);
}

/**
 * Letters in a text of {@link prose} (letters and spaces only), CJK, kana, Hangul and Thai
 * characters counting double: one carries a word's worth.
 */
function letterWeight(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) n += charWeight(text.charCodeAt(i));
  return n;
}

/** A UTF-16 code unit's weight in {@link letterWeight}: 0 for a space, 2 for CJK, kana, Hangul and Thai, else 1. */
function charWeight(c: number): number {
  if (c === 32) return 0;
  const wide =
    (c >= 0x0e00 && c <= 0x0e7f) ||
    (c >= 0x1100 && c <= 0x11ff) ||
    (c >= 0x2e80 && c <= 0xa4cf) ||
    (c >= 0xac00 && c <= 0xd7af) ||
    (c >= 0xf900 && c <= 0xfaff);
  return wide ? 2 : 1;
}

const probabilityOf = (guesses: readonly LanguageGuess[], langs: readonly string[]): number =>
  guesses.reduce((p, g) => (langs.some((l) => sameLanguage(l, g.lang)) ? p + g.probability : p), 0);

/** Paragraphs (or, in one-paragraph answers, sentences) long enough to identify on their own. */
function stretches(text: string, minLetters: number): string[] {
  const paragraphs = text.split(/\n\s*\n/);
  const parts = paragraphs.length > 1 ? paragraphs : text.split(/(?<=[.!?。！？])\s+/);
  return parts.filter((p) => letterWeight(prose(p, 200)) >= minLetters * 2);
}

interface Reading {
  top: LanguageGuess;
  /**
   * The three likeliest languages, best first. Only a mismatch needs them (how likely the
   * expected language still is): the identifier's walk for three costs about twice its walk for
   * the top one, so they are read on first use.
   */
  guesses(): readonly LanguageGuess[];
  /** The languages the side may be written in: the top one, or two where the script cannot tell. */
  langs: readonly string[];
}

const ENGLISH_GUESSES: readonly LanguageGuess[] = [{ lang: 'en', probability: 1 }];
const ENGLISH_READING: Reading = {
  top: { lang: 'en', probability: 1 },
  guesses: () => ENGLISH_GUESSES,
  langs: ['en'],
};

// Hiragana, Katakana (with its phonetic extensions) and half-width Katakana.
const KANA = /[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]/;
/**
 * lid.176 reads short Chinese as Japanese (16 of the 448 Chinese texts of bench/quality's train and
 * dev splits, every one without a single kana: "本赛季哪个球员拦截次数最多？"). Japanese prose is not
 * written without kana, so Han characters read as Japanese may be either language.
 */
const HAN_READ_AS_JAPANESE = ['ja', 'zh'] as const;

// Languages of lid.176 not written in the Latin alphabet (the rest are).
const NON_LATIN_LANGUAGES = new Set(
  (
    'zh wuu yue gan ja ko ru uk bg be mk sr kk ky tg mn ba tt cv os ce sah av lez myv kv bxr mhr mrj xal krc ' +
    'el ar fa ur ps ug ckb sd arz azb mzn pnb he yi hi mr ne sa bh new mai bn as bpy pa gu or ta te kn ml si ' +
    'th lo km my ka xmf hy am ti dv bo'
  ).split(' '),
);

/**
 * The share of a text of {@link prose}'s letter weight (as {@link letterWeight}) that is not
 * Latin: Latin letters are Basic Latin to Latin Extended-B, combining marks and Latin Extended
 * Additional.
 */
function nonLatinShare(text: string): number {
  let latin = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) continue;
    if (c < 0x250 || (c >= 0x300 && c < 0x370) || (c >= 0x1e00 && c < 0x1f00)) latin++;
    else other += charWeight(c);
  }
  return latin + other === 0 ? 0 : other / (latin + other);
}

/**
 * A side read as a Latin-alphabet language although a quarter of its letters are in another
 * script is misread: "x+y = 4z，x*y = 4z^2，用z表示x-y" keeps more variables than Chinese.
 */
const MISREAD_SHARE = 0.25;

/**
 * The identifier's reading of a text of {@link prose} of weight `weight`; null when too short,
 * unsure, or read as a Latin-alphabet language that much of the text is not written in.
 */
function read(
  id: LanguageIdentifier,
  text: string,
  weight: number,
  config: LanguageMatchConfig,
): Reading | null {
  if (weight < config.min_letters) return null;
  const top = id.identify(text, 1)[0];
  if (!top || top.probability < config.min_probability) return null;
  if (!NON_LATIN_LANGUAGES.has(top.lang) && nonLatinShare(text) >= MISREAD_SHARE) return null;
  let guesses: readonly LanguageGuess[] | undefined;
  return {
    top,
    guesses: () => (guesses ??= id.identify(text, 3)),
    langs: top.lang === 'ja' && !KANA.test(text) ? HAN_READ_AS_JAPANESE : [top.lang],
  };
}

// English function words that Dutch, German, Afrikaans and the Scandinavian languages do not
// share: a text where they are frequent is English, without running the identifier. Most
// traffic is English, and identification costs more than all the other checks together.
const ENGLISH = new Set(
  'the and to of you your with that this for are will have can what how when where which would could should there their they them these those from about into than then been were has had does did not'.split(
    ' ',
  ),
);
const ASCII_WORDS = /^[\x20-\x7e]*$/;
// More English words, none a function word of Dutch, German, the Scandinavian or Romance
// languages: with both sides reading English by these, the call passes without identification.
// Short questions ("Write me a poem about Abraham Lincoln.") rarely carry a fifth of the stricter
// list. They only ever shortcut a pass: a mismatch is still read by the identifier.
const ENGLISH_WIDE = new Set([
  ...ENGLISH,
  ...'it its my our why who some like please write any just more only out get give make tell know here very because something people think want need'.split(
    ' ',
  ),
]);

// Each word of the wide list, marked when the strict list has it too: one lookup a word.
const STRICT = 2;
const ENGLISH_LISTS = new Map<string, number>([...ENGLISH_WIDE].map((w) => [w, ENGLISH.has(w) ? STRICT : 1]));

/**
 * How surely a text of {@link prose} is English, by the strict list and by the wide one: ASCII,
 * and a fifth of its words on the list (at least two). One pass for both lists.
 */
function englishReading(text: string): { strict: boolean; wide: boolean } {
  if (!ASCII_WORDS.test(text)) return NOT_ENGLISH;
  const words = text.toLowerCase().split(' ');
  if (words.length < 5) return NOT_ENGLISH;
  let strict = 0;
  let wide = 0;
  for (const w of words) {
    const list = ENGLISH_LISTS.get(w);
    if (list === undefined) continue;
    wide++;
    if (list === STRICT) strict++;
  }
  return { strict: sureShare(strict, words.length), wide: sureShare(wide, words.length) };
}
/** At least two hits, and a fifth of the words. */
const sureShare = (hits: number, words: number): boolean => hits >= 2 && hits * 5 >= words;
const NOT_ENGLISH = { strict: false, wide: false } as const;

// Letters of scripts that no Latin-alphabet language is written in: Cyrillic, Arabic, Thai, kana,
// CJK ideographs, Hangul. OTHER_SCRIPT is tried on the whole answer first: most answers have none.
const OTHER_LETTERS = String.raw`\u0400-\u04ff\u0600-\u06ff\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af`;
const OTHER_SCRIPT = new RegExp(`[${OTHER_LETTERS}]`);
/** A stretch of such letters (CJK punctuation, spaces and commas allowed inside) long enough to be a sentence's worth. */
const OTHER_SCRIPT_RUN = new RegExp(
  `[${OTHER_LETTERS}][${OTHER_LETTERS}\\u3000-\\u303f\\uff00-\\uffef ,.!?;:]{11,}`,
);
// What an answer may rightly write in another script: names and glosses in brackets ("Mango
// Sticky Rice (ข้าวเหนียวมะม่วง)"), quotes (QUOTED), code.
const BRACKETED = /\([^()\n]{1,80}\)|（[^（）\n]{1,80}）|\[[^[\]\n]{1,80}\]/g;

/**
 * An answer read as the expected Latin-alphabet language that turns, somewhere after its opening,
 * to another script for a sentence's worth (12 letters or more outside code, quotes and
 * brackets): "…Some研究表明，轻柔、舒缓的音乐…" (Qwen1.5-7B answering in English, then Chinese).
 */
function turnsToOtherScript(raw: string): string | null {
  if (!OTHER_SCRIPT.test(raw)) return null;
  let t = withoutCode(raw);
  if (QUOTE_OPENERS.test(t)) t = t.replace(QUOTED, ' ');
  const run = OTHER_SCRIPT_RUN.exec(t.replace(BRACKETED, ' '));
  return run ? run[0].trim() : null;
}

/**
 * How sure a mismatch is: both sides read surely, and the expected language absent from the
 * answer. 1 when the identifier gives each side's top language ≥ 0.9 and the expected ≤ 1 %.
 */
function mismatchConfidence(answer: Reading, expectedProbability: number, user?: Reading): number {
  const sides = Math.min(answer.top.probability, user?.top.probability ?? 1);
  const absent = 1 - Math.min(1, expectedProbability * 10);
  return Math.max(0, Math.min(1, (sides - 0.5) / 0.4)) * 0.5 + absent * 0.5;
}

/**
 * The verdict of an answer whose opening is in the expected language: a mismatch after all when
 * every expected language is written in the Latin alphabet and the answer turns to another script
 * for a sentence's worth, else `verdict()`.
 */
function switchOr<T>(
  raw: string,
  want: readonly string[],
  label: string,
  verdict: () => T,
): T | ReturnType<typeof fail> {
  if (want.some((w) => NON_LATIN_LANGUAGES.has(w))) return verdict();
  const run = turnsToOtherScript(raw);
  if (!run) return verdict();
  const guess = languageIdentifier.identify(run, 1)[0];
  // Named only when the identifier reads a language of that script ("冷冻冷冻…" reads as Hungarian).
  const lang =
    guess && guess.probability >= 0.5 && NON_LATIN_LANGUAGES.has(guess.lang)
      ? guess.lang === 'ja' && !KANA.test(run)
        ? 'zh/ja'
        : guess.lang
      : 'another script';
  return fail(`answer turns to ${lang} after its opening: "${run.slice(0, 40)}…", expected ${label}`, 0, 0.9);
}

/**
 * The answer is in the user's language (or the configured one). Judged only when both sides
 * carry enough prose and are identified surely (fastText lid.176); quotes, code, JSON and URLs
 * are not read; an answer that has a stretch in the user's language (a bilingual answer, a
 * language lesson) is not a mismatch; close languages that identifiers confuse (Danish and
 * Norwegian, Croatian and Serbian, Malay and Indonesian) count as one. An answer that opens in
 * the expected Latin-alphabet language is read on for a turn to another script.
 */
export const languageMatch: CheckDefinition<LanguageMatchConfig> = {
  id: 'language_match',
  version: '7',
  description:
    "The answer is in the language of the user's last message (or the configured one), and does not turn to another script later.",
  configSchema: languageMatchConfigSchema,
  requiresParams: false,
  escalation: 'confirm_language',
  create(config) {
    const id = languageIdentifier;
    const fixed = config.expected === undefined ? null : [config.expected].flat();
    return (input) => {
      if (input.status === 'error') return null;
      // Tool calls (`tool_call name(args)` lines, as the collector renders them) are not prose.
      const stored = splitStorageMarker(input.response).text;
      const raw = stored.includes('tool_call ') ? stored.replace(TOOL_CALL_LINE, '') : stored;
      const answerText = prose(raw, config.sample_chars);
      // The English fast path: a side that is surely English needs no identification.
      const answerWeight = letterWeight(answerText);
      const enough = answerWeight >= config.min_letters;
      const answerEnglish = enough ? englishReading(answerText) : NOT_ENGLISH;
      let userText: string | undefined;
      let userProse: string | undefined;
      // (What the strict list reads as English the wide one does too.)
      if (!fixed && answerEnglish.wide) {
        userText = lastUserMessage(input.prompt);
        userProse = prose(userText, config.sample_chars);
        if (letterWeight(userProse) >= config.min_letters && englishReading(userProse).wide)
          return switchOr(raw, ['en'], 'en, as the user wrote', () =>
            pass('answer in en, expected en, as the user wrote', 1),
          );
      }
      const answer = answerEnglish.strict ? ENGLISH_READING : read(id, answerText, answerWeight, config);
      if (!answer) {
        // An opening too mixed to read ("Some研究表明，轻柔、舒缓的音乐…") to an English user: the
        // rest decides whether it turned to another script.
        if (fixed || !OTHER_SCRIPT.test(raw)) return null;
        userText ??= lastUserMessage(input.prompt);
        userProse ??= prose(userText, config.sample_chars);
        if (letterWeight(userProse) < config.min_letters || !englishReading(userProse).wide) return null;
        return switchOr(raw, ['en'], 'en, as the user wrote', () => null);
      }
      let want: readonly string[];
      let user: Reading | undefined;
      if (fixed) {
        want = fixed;
      } else {
        userText ??= lastUserMessage(input.prompt);
        if (config.skip_translations && TRANSLATION.test(userText)) return null;
        userProse ??= prose(userText, config.sample_chars);
        const reading = read(id, userProse, letterWeight(userProse), config);
        if (!reading) return null;
        user = reading;
        want = reading.langs;
      }
      const label = fixed ? `${want.join('/')} (configured)` : `${want.join('/')}, as the user wrote`;
      if (want.some((w) => answer.langs.some((a) => sameLanguage(w, a))))
        return switchOr(raw, want, label, () =>
          pass(`answer in ${answer.langs.join('/')}, expected ${label}`, 1),
        );
      let expected = probabilityOf(answer.guesses(), want);
      // A stretch in the expected language means the answer mixes languages on purpose.
      for (const part of stretches(raw.slice(0, RAW_CHARS), config.min_letters)) {
        const guesses = id.identify(prose(part, config.sample_chars), 3);
        const p = probabilityOf(guesses, want);
        if (guesses[0] && want.some((w) => sameLanguage(w, guesses[0]?.lang ?? '')))
          return pass(`answer mixes languages and has a part in ${label}`, 1);
        expected = Math.max(expected, p);
      }
      const confidence = mismatchConfidence(answer, expected, user);
      const detail = `answer reads as ${answer.top.lang} (${answer.top.probability.toFixed(2)}), expected ${label}`;
      // The expected language is still plausible: no mismatch, but surely so only when it is
      // well represented (close languages and short texts split the identifier's vote).
      if (expected > config.max_expected_probability)
        return pass(
          `${detail}; ${want[0]} also likely (${expected.toFixed(2)})`,
          1,
          expected >= 0.2 ? 1 : 0.6,
        );
      return fail(detail, expected, confidence);
    };
  },
};
