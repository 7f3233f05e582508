/** Han, Hiragana, Katakana, Hangul: about one token per character in BPE vocabularies. */
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]/gu;

/**
 * Tokens of `text` by OpenAI's rule of thumb (one per four characters, one per CJK character):
 * the judge model's own tokenizer is not known here, and loading a BPE table (70 MB for
 * o200k_base) to cut a prompt would cost more than the ±20 % this is off by.
 */
export function approximateTokens(text: string): number {
  if (text === '') return 0;
  const cjk = text.match(CJK)?.length ?? 0;
  return cjk + Math.ceil((text.length - cjk) / 4);
}

/** What is left of a transcript after cutting it to the judge's budget. */
export interface Budgeted {
  text: string;
  /** Approximate tokens left out of the middle (0 when it fit). */
  cutTokens: number;
}

/** A cut moves to the nearest line break this far at most, so turns are not split mid-word. */
const SNAP = 200;

/**
 * Cuts `text` to about `maxTokens` by removing the middle: the opening (what the user came for)
 * and the ending (how it went) are what conversation rubrics need. The cut is marked with the
 * number of tokens left out.
 */
export function truncateMiddle(text: string, maxTokens: number): Budgeted {
  const total = approximateTokens(text);
  if (total <= maxTokens) return { text, cutTokens: 0 };
  const charsPerToken = text.length / total;
  const keep = Math.max(0, Math.floor(maxTokens * charsPerToken) - 64);
  let headEnd = Math.floor(keep / 2);
  let tailStart = text.length - (keep - headEnd);
  const nl = text.lastIndexOf('\n', headEnd);
  if (nl >= 0 && headEnd - nl <= SNAP) headEnd = nl;
  const nl2 = text.indexOf('\n', tailStart);
  if (nl2 >= 0 && nl2 - tailStart <= SNAP) tailStart = nl2 + 1;
  const cut = approximateTokens(text.slice(headEnd, tailStart));
  const marker = `\n[… ${cut} tokens of the conversation left out …]\n`;
  return { text: `${text.slice(0, headEnd)}${marker}${text.slice(tailStart)}`, cutTokens: cut };
}
