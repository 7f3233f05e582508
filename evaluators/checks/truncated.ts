import { z } from 'zod';
import { jsonCutDepth } from './json-text.ts';
import { fail, pass, quote, splitStorageMarker } from './text.ts';
import type { CheckDefinition } from './types.ts';

export const truncatedConfigSchema = z
  .object({
    /** Look for structure left open: an odd number of code fences, JSON with unclosed brackets. Default true. */
    check_structure: z.boolean().default(true),
    /**
     * Look at how the last paragraph ends (dangling article or comma, a word cut short, no final
     * punctuation where the lines before it have it). Default true.
     */
    check_ending: z.boolean().default(true),
    /**
     * A last line that ends in a bare word counts as cut only when it has at least this many
     * words (CJK: characters / 2) and the answer punctuates its other sentences; short chatty
     * answers and sign-offs ("Best regards\nAcme Support") have no final full stop. Default 12.
     */
    min_words: z.number().int().min(1).default(12),
  })
  .strict();

export type TruncatedConfig = z.output<typeof truncatedConfigSchema>;

// Words a sentence in en/de/fr/es essentially never ends with: seeing one last means it was cut.
const DANGLING = new Set(
  (
    'the a an and or but of with from my your our their its because than whether ' +
    'der die das den dem des ein eine einen und oder aber mit für weil ' +
    'le la les un une et ou mais du avec pour parce ' +
    'el los las una y pero del con porque se ' +
    'il lo gli una e o ma di con per perché ' +
    'os um uma ou mas para porque ' +
    'het een en maar omdat ' +
    'oraz lub ale że ponieważ ' +
    'и или но что потому'
  ).split(' '),
);
// The last word, standing on its own: "…@mail.com" and "…/il" end on no word.
const LAST_WORD = /(?:^|\s)([\p{L}']+)$/u;
/** Longer than any DANGLING word. */
const LAST_WORD_CHARS = 24;
const DANGLING_PUNCT = /[,:([{&+=/\\–—-]$/;
const URL_END = /(?:https?:\/\/|www\.)\S+$/;
// Lines that end a post or a document without a full stop: hashtags (a line of them, or two or
// more closing a line of the post: "… Qui gagnera ? 🏆 #CoréeDuNord #CoréeDuSud"), a horizontal rule.
const SIGN_OFF_LINE =
  /^(?:#[\p{L}\p{N}_]+\s*)+$|(?:^|\s)#[\p{L}\p{N}_]+(?:\s+#[\p{L}\p{N}_]+)+$|^[-=*_~]{3,}$/u;
// A letter's closing: the line after it is the signature ("Warm regards,\n[Your Business Name] Team").
const CLOSING_LINE =
  /^(?:(?:best|kind|warm|warmest|with best|with kind)\s+(?:regards|wishes)|regards|sincerely|yours(?:\s+(?:truly|sincerely|faithfully))?|sincerely yours|best|cheers|thanks|thank you|many thanks|all the best|respectfully|cordially|mit freundlichen grüßen|viele grüße|cordialement|bien cordialement|atentamente|saludos(?: cordiales)?|cordiali saluti|distinti saluti|atenciosamente|met vriendelijke groet)[,.!]?$/iu;
// How a list item opens, and how the other structured lines do (headings, tables, quotes, fences, HTML).
const BULLET = '[-*+•]';
const NUMBERED = String.raw`\d{1,3}[.)]`;
const LIST_MARK = `(?:${BULLET}|${NUMBERED})\\s`;
const OTHER_MARK = '#{1,6}\\s|\\||>|```|~~~|<\\/?[a-z]';
const STRUCTURED_LINE = new RegExp(`^\\s*(?:${LIST_MARK}|${OTHER_MARK})`, 'i');
const FENCE_LINE = /^ {0,3}(?:```|~~~)/gm;
const SENTENCE_PUNCT = /[.!?。！？…][)"'”’»]*(?:\s|$)/;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
// Trailing Markdown emphasis and invisible characters are not the ending.
const DECORATION = new Set([' ', '\t', '\n', '\r', '*', '_', '~', '\u200b']);
// Only the end of the answer is read by the end-anchored patterns below: run over a whole
// 100 KB line they would backtrack quadratically.
const TAIL_CHARS = 400;

// A ReAct agent's turn ends on its action: the framework's stop sequence ("\nObservation:")
// cuts the answer right after "Action Input: …", inside a code fence if the model opened one.
const REACT_ACTION_END = /(?:^|\n)[ \t]*Action Input:[ \t]*\S[^\n]*\s*$/;

// A closing sentence of prose: a capital (or a digit) opens it, words make it, a full stop ends it,
// and nothing of code is in it (an unclosed fence whose answer ends so forgot to close it).
const PROSE_SENTENCE = /^[\p{Lu}\p{N}][^`{}<>=;|\\]*[\p{L}\p{N})"'”’][.!?][)"'”’]*$/u;
const PROSE_SENTENCE_WORDS = 6;

/** The last non-empty line of `text`, trimmed. */
function lastLineOf(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed.slice(trimmed.lastIndexOf('\n') + 1).trim();
}

/** Why the structure of the answer says it was cut, or null. */
function openStructure(text: string): string | null {
  const fences = text.match(FENCE_LINE)?.length ?? 0;
  if (fences % 2 === 1 && !REACT_ACTION_END.test(text)) {
    const last = lastLineOf(text);
    if (!(PROSE_SENTENCE.test(last) && hasWords(last, PROSE_SENTENCE_WORDS))) return 'code fence left open';
  }
  const depth = jsonCutDepth(text);
  if (depth > 0) return `JSON cut off with ${depth} unclosed bracket${depth > 1 ? 's' : ''}`;
  return null;
}

// The peer rule: a last line that ends bare where the lines of its kind before it end punctuated.
const LIST_ITEM = new RegExp(`^(?:${LIST_MARK})`);
const NUMBERED_ITEM = new RegExp(`^${NUMBERED}\\s`);
/** A line's kind for the peer rule: a numbered item, another list item, or prose. */
const lineKind = (line: string): 'numbered' | 'item' | 'prose' =>
  NUMBERED_ITEM.test(line) ? 'numbered' : LIST_ITEM.test(line) ? 'item' : 'prose';
const OTHER_STRUCTURE = new RegExp(`^(?:${OTHER_MARK})`, 'i');
const ENDS_PUNCTUATED = /[.!?。！？…:;：；][)"'”’»]*$/;
const TRAILING_EMPHASIS = /[*_~]+$/;
/** Lines before the last one that the peer rule reads, at most. */
const PEER_LINES = 40;
/** Lines of the same kind needed, and the share of them that must end punctuated. */
const MIN_PEERS = 3;
const PEER_SHARE = 0.8;
/** Words a line needs to count, as a peer or as the last line of prose: "- Milk" shows no habit, "Best regards" is a sign-off. */
const MIN_LINE_WORDS = 4;

/** At least `n` words (CJK: characters / 2); splits no further than it needs to know. */
const hasWords = (line: string, n: number): boolean =>
  CJK.test(line) ? line.length / 2 >= n : line.split(/\s+/, n).length >= n;

/**
 * Why the last line reads as cut by its peers, or null: it is a list item (or a line of prose)
 * that ends on a letter, while most list items (lines of prose) before it end with punctuation —
 * "2. **Chlorg" after items that all end in a full stop.
 */
function unlikeItsPeers(text: string, lineStart: number, end: number): string | null {
  const last = text.slice(lineStart, end).trim();
  const kind = lineKind(last);
  const isItem = kind !== 'prose';
  if (!isItem && OTHER_STRUCTURE.test(last)) return null;
  // A number ends a phone list or a price, not only a cut. (The last code point only: an
  // end-anchored pattern would be tried at every position of a long line.)
  if (!/\p{L}$/u.test(last.slice(-2))) return null;
  if (!isItem && !hasWords(last, MIN_LINE_WORDS)) return null;
  // Lines of the same kind (numbered steps against numbered steps: a list of materials, "* Water",
  // between them ends bare by habit and says nothing about how the steps end), and, for a list
  // item with too few of those, every list item.
  const same = { peers: 0, punctuated: 0 };
  const items = { peers: 0, punctuated: 0 };
  // From the newline before the last line backwards, one line at a time: a long answer is not split.
  let to = lineStart - 1;
  for (let n = 0; n < PEER_LINES && to > 0; n++) {
    const from = text.lastIndexOf('\n', to - 1) + 1;
    const line = text.slice(from, to).trim();
    to = from - 1;
    if (!line || OTHER_STRUCTURE.test(line)) continue;
    const lineIs = lineKind(line);
    if ((lineIs !== 'prose') !== isItem || !hasWords(line, MIN_LINE_WORDS)) continue;
    const ends = ENDS_PUNCTUATED.test(line.replace(TRAILING_EMPHASIS, '')) ? 1 : 0;
    items.peers++;
    items.punctuated += ends;
    if (lineIs === kind) {
      same.peers++;
      same.punctuated += ends;
    }
  }
  const { peers, punctuated } = same.peers >= MIN_PEERS ? same : items;
  if (peers < MIN_PEERS || punctuated < PEER_SHARE * peers) return null;
  const what = isItem ? 'list items' : 'lines';
  return `no final punctuation, unlike ${punctuated} of the ${peers} ${what} before it: …${quote(last.slice(-40), 40)}`;
}

// The fragment rule: the answer stops inside a word — its last word is never written whole in the
// answer, while a longer word it begins is ("… die sozialen Mobilit" after "Mobilität", "… do
// popełn" after "popełnienia"). A short last line of capitalised words is a sign-off or a name
// ("Acme Support" after "supported") and is left alone.
const TRAILING_WORD = /[\p{L}\p{M}]+$/u;
const LETTER = /[\p{L}\p{M}]/u;
const NOT_LOWER_START = /^\P{Ll}/u;
/** Characters before the last word searched for its whole form: a long answer is not read whole. */
const FRAGMENT_WINDOW = 4000;

/** The longer word the last word of `line` (ending at `end`) is the start of, when it is a fragment; else null. */
function fragmentOf(text: string, line: string, end: number): string | null {
  const lastWord = TRAILING_WORD.exec(line.slice(-LAST_WORD_CHARS * 2));
  if (!lastWord || lastWord[0].length < 2) return null;
  const words = line.split(/\s+/);
  // (A list item is no sign-off: "2. **Chlorg" after "Chlorgas" is cut.)
  if (!LIST_ITEM.test(line) && words.length <= 3 && words.every((w) => NOT_LOWER_START.test(w))) return null;
  const fragment = lastWord[0].toLowerCase();
  const before = text.slice(Math.max(0, end - FRAGMENT_WINDOW), end - lastWord[0].length).toLowerCase();
  let longer: string | null = null;
  // Each place the fragment starts a word: followed by no letter it is the whole word.
  for (let at = before.indexOf(fragment); at >= 0; at = before.indexOf(fragment, at + 1)) {
    if (at > 0 && LETTER.test(before[at - 1] as string)) continue;
    let stop = at + fragment.length;
    while (stop < before.length && LETTER.test(before[stop] as string)) stop++;
    if (stop === at + fragment.length) return null;
    if (longer === null && stop - at >= fragment.length + 2) longer = before.slice(at, stop);
  }
  return longer;
}

// A list item with nothing after its marker ("…\n2.", "…\n*", "…\n* **"), or a last line that is
// only an emphasis opener ("…\n\n**"): the next item or heading was begun and cut.
const EMPTY_ITEM = new RegExp(
  `\\n[ \\t]*(${BULLET}|${NUMBERED}|(?:${BULLET}[ \\t]+)?(?:\\*\\*|__))[ \\t]*(?:\\*\\*|__)?$`,
);
// A last line that is only the number the next item of a numbered list would have ("…\n14. …\n\n15"):
// the item was begun and cut before its marker was complete.
const BARE_NUMBER = /\n[ \t]*(?:\*\*)?(\d{1,3})$/;
const NUMBERED_BEFORE = /(?:^|\n)[ \t]*(?:\*\*)?(\d{1,3})[.)]/g;

/** The number of the last numbered item before `at`, or null. */
function lastItemNumber(text: string, at: number): number | null {
  let last: number | null = null;
  for (const m of text.slice(Math.max(0, at - TAIL_CHARS * 10), at).matchAll(NUMBERED_BEFORE))
    last = Number(m[1]);
  return last;
}

/** Why the last paragraph reads as cut mid-sentence, or null. */
function cutEnding(text: string, minWords: number): string | null {
  const from = Math.max(0, text.length - TAIL_CHARS);
  const rawTail = text.slice(from).trimEnd();
  const empty = EMPTY_ITEM.exec(rawTail);
  // …after some other line: a one-line "1." is an answer, not a list.
  if (empty && /\S/.test(text.slice(0, from + empty.index)))
    return `ends on an empty list item: "${empty[1] as string}"`;
  const bare = BARE_NUMBER.exec(rawTail);
  if (bare) {
    const previous = lastItemNumber(text, from + bare.index);
    if (previous !== null && previous + 1 === Number(bare[1]))
      return `ends on the number of the next list item: "${bare[1] as string}" after item ${previous}`;
  }
  let end = text.length;
  while (end > 0 && DECORATION.has(text[end - 1] as string)) end--;
  const tail = text.slice(Math.max(0, end - TAIL_CHARS), end);
  const lastLine = tail.slice(tail.lastIndexOf('\n') + 1).trim();
  const lineStart = text.lastIndexOf('\n', end - 1) + 1;
  if (!lastLine || URL_END.test(lastLine) || SIGN_OFF_LINE.test(lastLine)) return null;
  if (CLOSING_LINE.test(previousLine(text, lineStart))) return null;
  if (DANGLING_PUNCT.test(lastLine)) return `ends mid-sentence: …${quote(lastLine.slice(-40), 40)}`;
  // The end-anchored pattern on the last characters only (it would be tried from every position
  // of the line): a word longer than that is no dangling word either way.
  const lastWord = LAST_WORD.exec(lastLine.slice(-LAST_WORD_CHARS))?.[1]?.toLowerCase();
  if (lastWord && DANGLING.has(lastWord)) return `ends on "${lastWord}": …${quote(lastLine.slice(-40), 40)}`;
  const lastChar = lastLine.slice(-1);
  if (!/[\p{L}\p{N}]/u.test(lastChar)) return null;
  const whole = fragmentOf(text, lastLine, end);
  if (whole)
    return `ends inside a word: …${quote(lastLine.slice(-40), 40)} (the answer has ${quote(whole, 40)})`;
  const peers = unlikeItsPeers(text, lineStart, end);
  if (peers) return peers;
  if (STRUCTURED_LINE.test(text.slice(lineStart, lineStart + 16))) return null;
  const words = CJK.test(lastChar) ? lastLine.length / 2 : lastLine.split(/\s+/).length;
  if (words < minWords) return null;
  // Only an answer that punctuates its other sentences is expected to punctuate the last one.
  if (!SENTENCE_PUNCT.test(text.slice(0, end))) return null;
  return `no final punctuation: …${quote(lastLine.slice(-40), 40)}`;
}

/** The last non-empty line before the one starting at `lineStart`, trimmed ('' when there is none). */
function previousLine(text: string, lineStart: number): string {
  let end = lineStart - 1;
  while (end > 0 && /\s/.test(text[end - 1] as string)) end--;
  if (end <= 0) return '';
  return text.slice(text.lastIndexOf('\n', end - 1) + 1, end).trim();
}

/** The answer was cut: token limit reached, or it stops mid-sentence or inside an open structure. */
export const truncated: CheckDefinition<TruncatedConfig> = {
  id: 'truncated',
  version: '8',
  description:
    'The answer was cut off: finish_reason length, unclosed code fence or JSON, or a mid-sentence ending.',
  configSchema: truncatedConfigSchema,
  requiresParams: false,
  create(config) {
    return (input) => {
      if (input.status === 'error') return null;
      if (input.finish_reason === 'length')
        return fail('finish_reason length: the answer hit the token limit');
      const { text, dropped } = splitStorageMarker(input.response);
      if (text.trim() === '') return null;
      // Storage kept only the start: its ending says nothing about the model's.
      if (dropped > 0)
        return pass(`finish_reason ${input.finish_reason || 'unknown'}; ending cut by storage`);
      const structure = config.check_structure ? openStructure(text) : null;
      if (structure) return fail(structure, 0, 0.9);
      const ending = config.check_ending ? cutEnding(text, config.min_words) : null;
      if (!ending) return pass('answer ends cleanly');
      // A missing full stop is a weak sign on its own: a one-paragraph answer (an address, a
      // caption) often has none. In a longer answer that stops mid-sentence it is a cut.
      const weak = ending.startsWith('no final punctuation') && !/\n\s*\n/.test(text.trim());
      return fail(ending, 0, weak ? 0.7 : 0.9);
    };
  },
};
