import { createRequire } from 'node:module';
import type * as O200k from 'gpt-tokenizer/encoding/o200k_base';
import { modelKey } from './pricing.ts';

/** The two BPE encodings of OpenAI's current and previous chat models. */
export type OpenAiEncoding = 'o200k_base' | 'cl100k_base';

type Encoder = typeof O200k;

/**
 * Models by encoding, as prefixes of the canonical model name (`modelKey`): o200k_base for
 * GPT-4o, GPT-4.1, GPT-4.5, GPT-5, the o-series and gpt-oss; cl100k_base for GPT-4, GPT-4 Turbo
 * and GPT-3.5 (tiktoken's `model.py` table, which gpt-tokenizer follows).
 */
const FAMILIES: ReadonlyArray<readonly [prefix: string, encoding: OpenAiEncoding]> = [
  ['gpt-4o', 'o200k_base'],
  ['chatgpt-4o', 'o200k_base'],
  ['gpt-4.1', 'o200k_base'],
  ['gpt-4.5', 'o200k_base'],
  ['gpt-5', 'o200k_base'],
  ['gpt-oss', 'o200k_base'],
  ['o1', 'o200k_base'],
  ['o3', 'o200k_base'],
  ['o4', 'o200k_base'],
  ['gpt-4', 'cl100k_base'],
  ['gpt-3.5', 'cl100k_base'],
  ['gpt-35', 'cl100k_base'],
];

const BOUNDARY = /^$|^[-:@_.]/;

/** The encoding of an OpenAI-family model, or null for any other model. */
export function encodingFor(model: string): OpenAiEncoding | null {
  const name = modelKey(model);
  for (const [prefix, encoding] of FAMILIES) {
    if (!name.startsWith(prefix)) continue;
    // At a boundary: `o1` does not take `o1x`, `gpt-4` takes `gpt-4-0613` but not `gpt-4o`.
    if (BOUNDARY.test(name.slice(prefix.length))) return encoding;
  }
  return null;
}

/**
 * The encoders are loaded on first use, synchronously (about 0.4 s and 70 MB for o200k_base,
 * 0.15 s for cl100k_base, once per process): a collector whose spans all carry usage never
 * loads them. The merge tables ship inside the `gpt-tokenizer` package; nothing is downloaded.
 */
const require = createRequire(import.meta.url);
const encoders = new Map<OpenAiEncoding, Encoder>();
function encoder(encoding: OpenAiEncoding): Encoder {
  let e = encoders.get(encoding);
  if (!e) encoders.set(encoding, (e = require(`gpt-tokenizer/encoding/${encoding}`) as Encoder));
  return e;
}

/** Special-token text in user content (`<|endoftext|>`) is counted as text, never rejected. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/** Han, Hiragana, Katakana, Hangul: about one token per character in BPE vocabularies. */
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]/gu;

/**
 * Models without a public tokenizer here: one token per CJK character plus one per four other
 * characters (OpenAI's rule of thumb for English; Anthropic, Gemini and Llama tokenizers land
 * within about ±20 % of it on English prose).
 */
export function approximateTokens(text: string): number {
  if (text === '') return 0;
  const cjk = text.match(CJK)?.length ?? 0;
  return cjk + Math.ceil((text.length - cjk) / 4);
}

/** Tokens of `text` for `model`: the model's own encoding when it has one, else the approximation. */
export function countTokens(text: string, model: string): number {
  if (text === '') return 0;
  const encoding = encodingFor(model);
  return encoding ? encoder(encoding).countTokens(text, AS_TEXT) : approximateTokens(text);
}

/**
 * Chat format overhead of OpenAI models (OpenAI cookbook "How to count tokens"): each message
 * costs 3 tokens plus its role, the reply is primed with 3. The stored prompt is
 * `role: content` blocks separated by blank lines: role and colon count 2, and the separator
 * mostly merges with the text before it (`.\n\n` is one token), so 2 per message and 3 for
 * the reply remain (exact on the median of the test set, bench/RESULTS.md).
 */
const PER_MESSAGE = 2;
const REPLY_PRIMING = 3;

export interface TokenEstimateInput {
  model: string;
  /** The prompt as stored (`role: content` blocks, truncated), or the same text when not stored. */
  prompt: string;
  /** Length of the prompt before truncation (its count is scaled up by the ratio). */
  promptFullLength: number;
  messages: number;
  response: string;
  responseFullLength: number;
}

/**
 * Characters counted per text at most (about 0.4 ms with o200k_base); a longer text is counted
 * on its first 4,096 characters and scaled up by length, like a truncated one.
 */
export const COUNT_CHARS = 4096;

/** Tokens of `text` (maybe a truncated prefix of `fullLength` characters), scaled to the full length. */
function scaledCount(text: string, fullLength: number, model: string): number {
  const counted = text.length > COUNT_CHARS ? text.slice(0, COUNT_CHARS) : text;
  const tokens = countTokens(counted, model);
  const full = Math.max(fullLength, text.length);
  return counted.length > 0 && full > counted.length ? Math.round((tokens * full) / counted.length) : tokens;
}

/** Estimated input and output tokens of one call from its (truncated) text. */
export function estimateCallTokens(c: TokenEstimateInput): { input: number; output: number } {
  const chat = encodingFor(c.model) !== null && c.messages > 0;
  const promptTokens = scaledCount(c.prompt, c.promptFullLength, c.model);
  const input = promptTokens === 0 ? 0 : promptTokens + (chat ? c.messages * PER_MESSAGE + REPLY_PRIMING : 0);
  return { input, output: scaledCount(c.response, c.responseFullLength, c.model) };
}
