import { clipReason } from '../scores/rows.ts';
import type { CheckResult } from './types.ts';

/** A passing verdict; `confidence` 1 unless the check's reading is statistical. */
export const pass = (reason: string, score = 1, confidence = 1): CheckResult => ({
  score,
  passed: true,
  confidence,
  reason: clipReason(reason),
});
/** A failing verdict; `confidence` 1 unless the check's reading is statistical. */
export const fail = (reason: string, score = 0, confidence = 1): CheckResult => ({
  score,
  passed: false,
  confidence,
  reason: clipReason(reason),
});

/** A short excerpt for a reason, whitespace collapsed, quoted. */
export function quote(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat);
}

// Appended by the collector's `truncateText` (collector/normalise/redaction.ts): storage cut the
// text, the model did not, so checks must neither read it as the answer's ending nor as content.
const STORAGE_MARKER = /…\[truncated (\d+) chars\]$/;
/** The longest marker: "…[truncated " + up to 16 digits + " chars]". */
const MARKER_MAX_CHARS = 40;

/** The answer without the storage truncation marker, and how many characters storage dropped (0 = none). */
export function splitStorageMarker(text: string): { text: string; dropped: number } {
  // Every check calls this: the end-anchored pattern would be tried from every position of a
  // long answer, so only answers that end like the marker get it, on their last characters.
  if (!text.endsWith(' chars]')) return { text, dropped: 0 };
  const from = Math.max(0, text.length - MARKER_MAX_CHARS);
  const m = STORAGE_MARKER.exec(text.slice(from));
  if (!m) return { text, dropped: 0 };
  return { text: text.slice(0, from + m.index), dropped: Number(m[1]) };
}

/**
 * A class for every character, found by `classify` (a Unicode property test: one regular
 * expression run) once per UTF-16 code unit and then read from a table, since texts reuse few
 * distinct characters. A surrogate pair is classified as its code point, each time; a lone
 * surrogate is a code unit of its own.
 */
export class CharClasses {
  /** 0: not seen yet; else the class. Code units below 128 are filled at construction. */
  readonly table = new Uint8Array(0x10000);
  constructor(private readonly classify: (ch: string) => number) {
    for (let c = 0; c < 128; c++) this.table[c] = classify(String.fromCharCode(c));
  }
  /** The class of the character at `at`, times 4, plus its width in code units (2 for a surrogate pair). */
  at(text: string, at: number): number {
    const c = text.charCodeAt(at);
    if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(at + 1) & 0xfc00) === 0xdc00)
      return this.classify(text.slice(at, at + 2)) * 4 + 2;
    let k = this.table[c] as number;
    if (k === 0) this.table[c] = k = this.classify(text[at] as string);
    return k * 4 + 1;
  }
}

/** `s` as a regular expression that matches it literally. */
export const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Printable ASCII and line breaks: what NFKC leaves as it is. */
const ASCII = /^[\t\n\r\x20-\x7e]*$/;

/**
 * Text for phrase matching: NFKC, lower case, typographic apostrophes and quotes made straight,
 * whitespace collapsed — so `I’m  sorry` matches the phrase `i'm sorry`.
 */
export function normaliseForMatch(text: string): string {
  // NFKC leaves ASCII as it is.
  if (ASCII.test(text)) return text.toLowerCase().replace(/`/g, "'").replace(WHITESPACE_RUN, ' ');
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc\u2032`´]/g, "'")
    .replace(/[\u201c\u201d\u201e«»]/g, '"')
    .replace(WHITESPACE_RUN, ' ');
}

/**
 * A run of whitespace that is not a single space: replacing every run, single spaces included
 * (`/\s+/g`), cost 3 µs on a 280-character opening, most of normalising it.
 */
const WHITESPACE_RUN = /[^\S ]\s*| \s+/g;

/** One message of a flattened prompt. */
export interface PromptMessage {
  role: string;
  content: string;
}

const ROLE_HEADER = /(?:^|\n\n)(system|user|assistant|tool|developer): /g;

/** Splits a stored prompt (`<role>: <content>` blocks joined by a blank line) into its messages. */
export function parsePrompt(prompt: string): PromptMessage[] {
  const heads: Array<{ role: string; start: number; end: number }> = [];
  for (const m of prompt.matchAll(ROLE_HEADER)) {
    heads.push({ role: m[1] as string, start: m.index, end: m.index + m[0].length });
  }
  return heads.map((h, i) => ({
    role: h.role,
    content: prompt.slice(h.end, heads[i + 1]?.start ?? prompt.length),
  }));
}

/** The content of the last `user` message, '' when there is none. */
export function lastUserMessage(prompt: string): string {
  const messages = parsePrompt(prompt);
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as PromptMessage;
    if (m.role === 'user') return m.content;
  }
  return '';
}

/** The instructions: every `system` and `developer` message, joined. */
export function instructionText(prompt: string): string {
  return parsePrompt(prompt)
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => m.content)
    .join('\n\n');
}

const FENCED_CODE = /^(```|~~~)[^\n]*\n[\s\S]*?(?:^\1[^\n]*$|(?![\s\S]))/gm;
const INLINE_CODE = /`[^`\n]{1,500}`/g;

/** The prose of a Markdown answer: fenced code blocks (closed or not) and inline code removed. */
export function withoutCode(text: string): string {
  if (!text.includes('`') && !text.includes('~~~')) return text;
  return text.replace(FENCED_CODE, ' ').replace(INLINE_CODE, ' ');
}
