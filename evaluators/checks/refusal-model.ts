/**
 * The learned part of `refusal`: a multinomial logistic regression over hashed n-gram features
 * of the answer (full refusal / partial refusal / compliance). Trained by
 * `bench/quality/train-refusal.ts` on the train split of the permissively licensed datasets of
 * `bench/quality/datasets/`, tuned on their dev split; the weights are committed beside this file
 * (`refusal-model.bin`, Float32 little-endian, class-major) and loaded once at import.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFUSAL_PHRASES } from './refusal-phrases.ts';
import { escapeRegExp, normaliseForMatch } from './text.ts';

export const REFUSAL_CLASSES = ['full', 'partial', 'none'] as const;
export type RefusalClass = (typeof REFUSAL_CLASSES)[number];

/** Hash buckets per class (2^16): the model file is 3 × 65536 × 4 bytes = 768 KiB. */
export const FEATURE_BITS = 16;
const DIM = 1 << FEATURE_BITS;
const MASK = DIM - 1;

/** Characters of the answer read: refusals say so at the start, partial ones soon after. */
const HEAD_CHARS = 240;
const BODY_CHARS = 900;

// What turns a refusal into a partial one: after declining, the answer offers real help
// ("However, you can reach their support at …", "but I can give you …", "here is …"). A turn to a
// lecture ("Instead, I encourage you to be respectful") is not help: it stays a refusal.
// Per language: the turn words, then the help that follows within a clause.
const CONTRAST_PARTS: ReadonlyArray<readonly [turn: string, help: string]> = [
  [
    String.raw`\b(?:however|but|instead|alternatively|that said)\b[^.!?\n]{0,40}\b`,
    "you can|you could|you may|you might|i can|i could|i'd be happy|i would be happy|here is|here are|here's",
  ],
  [
    String.raw`\b(?:sin embargo|pero|en su lugar)\b[^.!?\n]{0,40}\b`,
    'puedes|puede|podrías|podría|te puedo|le puedo|aquí tienes',
  ],
  [
    String.raw`\b(?:cependant|mais|toutefois|en revanche)\b[^.!?\n]{0,40}\b`,
    'vous pouvez|tu peux|je peux|voici',
  ],
  [
    String.raw`\b(?:jedoch|aber|allerdings|stattdessen)\b[^.!?\n]{0,40}\b`,
    'können sie|kannst du|ich kann|hier ist|hier sind',
  ],
  [String.raw`\b(?:tuttavia|ma|però|invece)\b[^.!?\n]{0,40}\b`, 'puoi|può|posso|ecco'],
  [String.raw`\b(?:porém|mas|no entanto|em vez disso)\b[^.!?\n]{0,40}\b`, 'você pode|pode|posso|aqui está'],
  [String.raw`(?:但是|不过|然而)[^。！？\n]{0,20}`, '你可以|您可以|我可以'],
  [String.raw`(?:ただし|しかし|代わりに)[^。！？\n]{0,20}`, 'できます|ことができ'],
];
// The help is a word of its own: "but I can" is help, "but I cannot" and "but I can't" are not.
const WORD_END = String.raw`(?![\p{Script=Latin}'’])`;
const CONTRAST = new RegExp(
  [
    String.raw`\bhere (?:is|are) (?:a|an|some|the)\b`,
    ...CONTRAST_PARTS.map(([turn, help]) => `${turn}(?:${help})${WORD_END}`),
  ].join('|'),
  'u',
);
// Every contrast ends in one of these: a text without any has no contrast, and this plain
// alternation of words is several times cheaper to run than the contrast's own pattern.
const HELP = new RegExp(CONTRAST_PARTS.map(([, help]) => help).join('|'), 'u');
const hasContrast = (text: string): boolean => HELP.test(text) && CONTRAST.test(text);

// A turn after the decline that may or may not lead to help ("However, there may be laws …"):
// the rules cannot tell information from a lecture, so such an answer is an unsure partial.
const TURN =
  /\b(?:however|but|sin embargo|pero|cependant|toutefois|jedoch|aber|tuttavia|però|porém|no entanto|echter|jednak|однако)\b|但是|不过|然而|しかし|ただし|하지만|그러나/gu;
// "…, but I cannot …" declines again: the answer does not turn.
const DECLINES_AGAIN =
  /^,?\s+(?:i\s+(?:cannot|can not|can['’]t|won['’]t|will not|must not|am unable|am not able)|i['’]m\s+(?:unable|not able))\b/;
// French "but" is a goal ("mon but est d'aider …"), not a turn: a determiner comes before it.
const FRENCH_BUT = /(?:^|\s)(?:mon|ton|son|notre|votre|leur|le|un|ce|du|au|pour|seul)\s$/;
// "… not only illegal but (it can) also …" adds to the reasons: no turn either.
const BUT_ALSO = /^\s+(?:(?:it|they|this|that)\s+(?:is|are|can|may|could|will|would)\s+)?also\b/;

const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;
const TOKEN =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]|[\p{L}\p{M}\p{N}']+/gu;
// "As an AI language model" opens compliant answers as often as refusals: a feature of its own.
const AI_DISCLAIMER =
  /as an? (?:ai|artificial intelligence|language model)|en tant qu|als (?:ki|sprachmodell)|como (?:una? )?(?:ia|modelo)|come (?:un )?(?:ia|modello)|作为一个?(?:人工智能|ai|语言模型)|aiとして|言語モデルとして/;
// One alternation of every other built-in phrase: one scan instead of one per phrase.
const DECLINE = new RegExp(
  Object.values(REFUSAL_PHRASES)
    .flat()
    .filter((p) => !AI_DISCLAIMER.test(p))
    .map(escapeRegExp)
    .join('|'),
);

/** FNV-1a, 32-bit, into the bucket range. */
function bucket(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & MASK;
}

/** FNV-1a of a string, 32 bits (as a signed integer: the n-gram hashes mix it bitwise). */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** The n-grams of the first `count` hashed tokens, each combined with the n as its own seed: no strings built. */
function ngrams(n: number, tokens: Int32Array, count: number, out: number[]): void {
  for (let i = 0; i + n <= count; i++) {
    let h = Math.imul(0x9e3779b1, n) >>> 0;
    for (let k = 0; k < n; k++) h = Math.imul(h ^ (tokens[i + k] as number), 0x01000193) ^ (h >>> 13);
    out.push((h >>> 0) & MASK);
  }
}

/** What the rules read of an answer: a decline phrase in its opening, and a contrast after it. */
export interface RefusalCues {
  /** A built-in decline phrase ("i can't help with", "no puedo", …) within the first 160 characters. */
  declineOpening: string | null;
  /** A decline phrase or an "as an AI model" disclaimer anywhere in the opening (240 characters). */
  anyCue: boolean;
  /** "However, you can", "but I can", "here is" … after the decline: the answer goes on to help. */
  contrast: boolean;
  /** "However", "but" … after a decline that opens the answer, followed by more text: it may go on to help. */
  turn: boolean;
}

const BIAS = bucket('bias');
const CUE_CONTRAST = bucket('cue:contrast');
const SCRIPT_WIDE = bucket('script:wide');
const DECLINE_OPENING = bucket('rule:decline_opening');
const DECLINE_HEAD = bucket('rule:decline_head');
const AI_DISCLAIMER_FEATURE = bucket('rule:ai_disclaimer');
// Token hashes of an opening (at most one token a character), reused by every call: checks run
// synchronously, and a typed array allocated per answer costs more than hashing it.
const hashed = new Int32Array(HEAD_CHARS);

/** An answer as the model and the rules read it, each pattern run once. */
export interface RefusalReading {
  features: number[];
  cues: RefusalCues;
}

/** The normalised opening both the features and the cues read. */
const openingOf = (answer: string): string =>
  normaliseForMatch(answer.slice(0, HEAD_CHARS + 40)).slice(0, HEAD_CHARS);

/** A turn word followed by at least 100 more characters. */
function turnWithText(rest: string): boolean {
  for (const m of rest.matchAll(TURN)) {
    const next = rest.slice(m.index + m[0].length, m.index + m[0].length + 24);
    if (DECLINES_AGAIN.test(next)) continue;
    const before = rest.slice(Math.max(0, m.index - 8), m.index);
    if (m[0] === 'but' && (FRENCH_BUT.test(before) || BUT_ALSO.test(next))) continue;
    return rest.length - m.index > 100;
  }
  return false;
}

/**
 * Reads an answer once for both the model and the rules. The features: word 1–3-grams of its
 * opening (CJK and Thai characters count as words), its first three words, whether the rest has
 * a contrast cue, the script, and whether a built-in refusal phrase or an AI disclaimer is in the
 * opening. Shared by training and inference, so they cannot drift.
 */
export function readRefusal(answer: string, head: string = openingOf(answer)): RefusalReading {
  const decline = DECLINE.exec(head);
  const disclaimer = AI_DISCLAIMER.test(head);
  // Only the opening is normalised (NFKC is the costly step); the contrast cue reads the rest raw.
  const rest = answer.slice(HEAD_CHARS / 2, BODY_CHARS).toLowerCase();
  const restContrast = hasContrast(rest);
  const headTokens = head.match(TOKEN) ?? [];
  const count = Math.min(headTokens.length, hashed.length);
  for (let i = 0; i < count; i++) hashed[i] = fnv(headTokens[i] as string);
  const features: number[] = [BIAS];
  ngrams(1, hashed, count, features);
  ngrams(2, hashed, count, features);
  ngrams(3, hashed, count, features);
  if (restContrast) features.push(CUE_CONTRAST);
  features.push(bucket(`start:${headTokens.slice(0, 3).join(' ')}`));
  if (WIDE.test(head)) features.push(SCRIPT_WIDE);
  if (decline) features.push(decline.index < 160 ? DECLINE_OPENING : DECLINE_HEAD);
  if (disclaimer) features.push(AI_DISCLAIMER_FEATURE);

  // The cues read what follows the decline (or, without one, the same rest as the features).
  const declineOpening = decline && decline.index < 160 ? decline[0] : null;
  const after = decline ? decline.index + decline[0].length : HEAD_CHARS / 2;
  const afterDecline = after === HEAD_CHARS / 2 ? rest : answer.slice(after, BODY_CHARS).toLowerCase();
  const cues: RefusalCues = {
    declineOpening,
    anyCue: decline !== null || disclaimer,
    contrast: after === HEAD_CHARS / 2 ? restContrast : hasContrast(afterDecline),
    turn: declineOpening !== null && turnWithText(afterDecline),
  };
  return { features, cues };
}

/** The model's features of an answer (see {@link readRefusal}). */
export const refusalFeatures = (answer: string, head?: string): number[] =>
  readRefusal(answer, head).features;

/** The value every feature of a list has (the list's L2 normalisation). */
export const featureValue = (features: readonly number[]): number =>
  1 / Math.sqrt(Math.max(1, features.length));

/**
 * The model's weights: `classes × DIM` floats, feature-major (a feature's three next to each
 * other, in one cache line: an answer's features are scattered over the table). The file keeps
 * them class-major; {@link loadRefusalModel} and {@link saveRefusalModel} convert.
 */
export interface RefusalModel {
  weights: Float32Array;
}

/** Where class `c`'s weight of feature `f` is in {@link RefusalModel.weights}. */
export const weightIndex = (c: number, f: number): number => 3 * f + c;

/** Class probabilities for one feature list, in {@link REFUSAL_CLASSES} order. */
export function predict(model: RefusalModel, features: readonly number[]): [number, number, number] {
  let z0 = 0;
  let z1 = 0;
  let z2 = 0;
  // Features count 1/sqrt(n) each: a long opening does not push the logits further than a short one.
  const x = featureValue(features);
  const w = model.weights;
  for (const f of features) {
    z0 += x * (w[3 * f] as number);
    z1 += x * (w[3 * f + 1] as number);
    z2 += x * (w[3 * f + 2] as number);
  }
  const m = Math.max(z0, z1, z2);
  const e0 = Math.exp(z0 - m);
  const e1 = Math.exp(z1 - m);
  const e2 = Math.exp(z2 - m);
  const sum = e0 + e1 + e2;
  return [e0 / sum, e1 / sum, e2 / sum];
}

export const MODEL_FILE = join(import.meta.dirname, 'refusal-model.bin');

/** Reads the committed weights (Float32 little-endian, class-major). */
export function loadRefusalModel(file: string = MODEL_FILE): RefusalModel {
  const buf = readFileSync(file);
  if (buf.byteLength !== 3 * DIM * 4)
    throw new Error(`${file}: expected ${3 * DIM * 4} bytes of weights, found ${buf.byteLength}`);
  const weights = new Float32Array(3 * DIM);
  for (let c = 0; c < 3; c++)
    for (let f = 0; f < DIM; f++) weights[weightIndex(c, f)] = buf.readFloatLE((c * DIM + f) * 4);
  return { weights };
}

/** Writes the weights as {@link loadRefusalModel} reads them. */
export function saveRefusalModel(model: RefusalModel, file: string = MODEL_FILE): void {
  const buf = Buffer.alloc(3 * DIM * 4);
  for (let c = 0; c < 3; c++)
    for (let f = 0; f < DIM; f++)
      buf.writeFloatLE(model.weights[weightIndex(c, f)] as number, (c * DIM + f) * 4);
  writeFileSync(file, buf);
}

/** A zero model (every class equally likely), for training from scratch. */
export function emptyRefusalModel(): RefusalModel {
  return { weights: new Float32Array(3 * DIM) };
}
