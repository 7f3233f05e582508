import { francAll } from 'franc';
import { z } from 'zod';
import { lastUserMessage, pass, fail, splitStorageMarker, withoutCode } from './text.ts';
import type { CheckDefinition } from './types.ts';

/**
 * Languages franc chooses among by default (ISO 639-3): the widely used ones. Restricting the
 * choice is what makes short texts reliable — among all 187 languages franc reads Spanish as
 * Galician and English as Scots.
 */
export const DEFAULT_LANGUAGES = (
  'eng deu fra spa por ita nld pol ces slk swe dan nob fin hun ron ell tur rus ukr bul ' +
  'arb heb pes hin ben jpn cmn kor vie tha ind'
).split(' ');

const iso6393 = z.string().regex(/^[a-z]{3}$/, 'an ISO 639-3 code such as "eng" or "deu"');

export const languageMatchConfigSchema = z
  .object({
    /**
     * Language(s) the answer must be in (ISO 639-3, e.g. `deu`), typically set per route. Default:
     * unset — the answer must be in the language of the last user message.
     */
    expected: z.union([iso6393, z.array(iso6393).min(1)]).optional(),
    /** Languages the detector chooses among (ISO 639-3); `[]` = all franc knows. Default: 31 common languages. */
    languages: z.array(iso6393).default(DEFAULT_LANGUAGES),
    /** Shorter answers (letters, code and URLs removed) are not judged: detection is noise there. Default 40. */
    min_answer_chars: z.number().int().min(10).default(40),
    /** Shorter user messages give no reference language (then not applicable). Default 30. */
    min_user_chars: z.number().int().min(10).default(30),
    /**
     * Characters of cleaned text the detector reads from each side. Detection cost grows with it
     * (about 1 ms per 1000 characters over 31 languages) while a few sentences already decide. Default 400.
     */
    sample_chars: z.number().int().min(50).max(2048).default(400),
    /**
     * Lowest score that passes: the detector's score (1 = its best guess) of the expected
     * language in the answer, or without `expected`, the better of the user's language in the
     * answer and the answer's language in the user's message. Default 0.95.
     */
    pass_score: z.number().min(0).max(1).default(0.95),
    /** Not applicable when the user asks for a translation (the answer is meant to differ). Default true. */
    skip_translations: z.boolean().default(true),
  })
  .strict();

export type LanguageMatchConfig = z.output<typeof languageMatchConfigSchema>;

/** The detector's score of the best of `langs` in a ranking (1 = its top guess), 0 when absent. */
function scoreOf(ranking: ReadonlyArray<readonly [string, number]>, langs: readonly string[]): number {
  let score = 0;
  for (const [lang, s] of ranking) if (langs.includes(lang)) score = Math.max(score, s);
  return score;
}

// Raw characters cleaned per text: enough to leave `sample_chars` of letters after code and
// noise are removed, bounded so long answers stay cheap.
const RAW_CHARS = 4000;
const NOISE = /\[REDACTED:[a-z_]+\]|https?:\/\/\S+|[\w.+-]{1,64}@[\w.-]{1,255}|[\p{N}\p{P}\p{S}]+/gu;
const TRANSLATION = /translat|übersetz|tradu[cizé]|tłumacz|vertaal|перев[её]д|翻译|翻訳|번역/i;

/** Up to `chars` of a text's words, without code, URLs, redaction tags, digits and punctuation. */
function sample(text: string, chars: number): string {
  const clean = withoutCode(text.slice(0, RAW_CHARS)).replace(NOISE, ' ').replace(/\s+/g, ' ').trim();
  if (clean.length <= chars) return clean;
  const cut = clean.lastIndexOf(' ', chars);
  return clean.slice(0, cut > chars / 2 ? cut : chars);
}

/** The answer is in the user's language (or the configured one), by franc trigram detection. */
export const languageMatch: CheckDefinition<LanguageMatchConfig> = {
  id: 'language_match',
  version: '1',
  description: "The answer is in the language of the user's last message (or the configured one).",
  configSchema: languageMatchConfigSchema,
  requiresParams: false,
  create(config) {
    const only = config.languages.length ? config.languages : undefined;
    const fixed = config.expected === undefined ? null : [config.expected].flat();
    return (input) => {
      if (input.status === 'error') return null;
      const answer = sample(splitStorageMarker(input.response).text, config.sample_chars);
      if (answer.length < config.min_answer_chars) return null;
      const answerRanking = francAll(answer, { only, minLength: config.min_answer_chars });
      const top = answerRanking[0]?.[0] ?? 'und';
      if (top === 'und') return null;
      if (fixed) {
        const score = scoreOf(answerRanking, fixed);
        const want = fixed.join('/');
        if (score >= config.pass_score) return pass(`answer in ${want} (configured)`, score);
        return fail(
          `answer reads as ${top}, expected ${want} (configured); score ${score.toFixed(2)}`,
          score,
        );
      }
      const userText = lastUserMessage(input.prompt);
      if (config.skip_translations && TRANSLATION.test(userText)) return null;
      const user = sample(userText, config.sample_chars);
      if (user.length < config.min_user_chars) return null;
      const userRanking = francAll(user, { only, minLength: config.min_user_chars });
      const userTop = userRanking[0]?.[0] ?? 'und';
      if (userTop === 'und') return null;
      // Short texts are where detection errs ("How do I return a jacket?" reads as Dutch), so the
      // two texts only disagree when neither could be in the other's language.
      const score = Math.max(scoreOf(answerRanking, [userTop]), scoreOf(userRanking, [top]));
      if (score >= config.pass_score) return pass(`answer in ${top}, user wrote ${userTop}`, score);
      return fail(`answer reads as ${top}, the user wrote ${userTop}; score ${score.toFixed(2)}`, score);
    };
  },
};
