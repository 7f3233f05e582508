/** USD per million tokens. */
export interface Price {
  input_per_mtok: number;
  output_per_mtok: number;
  /** Input tokens read from a prompt cache; the input price when the provider has none. */
  cached_input_per_mtok?: number;
  /** Input tokens written to a prompt cache (Anthropic: 5-minute cache); else the input price. */
  cache_write_per_mtok?: number;
  /** Reasoning tokens, where a provider prices them apart; else the output price. */
  reasoning_per_mtok?: number;
}

/** A table entry: the price, the day it was read and the pricing page it was read from. */
export interface PriceEntry extends Price {
  /** When the price was read from `source` (YYYY-MM-DD). */
  as_of: string;
  /** The provider's public pricing page. */
  source: string;
}

const OPENAI = { as_of: '2025-11-20', source: 'https://platform.openai.com/docs/pricing' };
const ANTHROPIC = { as_of: '2025-11-25', source: 'https://docs.claude.com/en/docs/about-claude/pricing' };
const GOOGLE = { as_of: '2025-11-20', source: 'https://ai.google.dev/gemini-api/docs/pricing' };
const MISTRAL = { as_of: '2025-11-20', source: 'https://mistral.ai/pricing#api-pricing' };
const DEEPSEEK = { as_of: '2025-11-20', source: 'https://api-docs.deepseek.com/quick_start/pricing' };
const XAI = { as_of: '2025-11-20', source: 'https://docs.x.ai/docs/models' };
const COHERE = { as_of: '2025-11-20', source: 'https://cohere.com/pricing' };
const GROQ = { as_of: '2025-11-20', source: 'https://groq.com/pricing' };

/** OpenAI: cached input as published per model (50 %, 25 % or 10 % of input); reasoning is output. */
const openai = (input: number, output: number, cached?: number): PriceEntry => ({
  input_per_mtok: input,
  output_per_mtok: output,
  ...(cached === undefined ? {} : { cached_input_per_mtok: cached }),
  ...OPENAI,
});

/** Anthropic: cache reads at 0.1× input, 5-minute cache writes at 1.25× input, for every model. */
const anthropic = (input: number, output: number): PriceEntry => ({
  input_per_mtok: input,
  output_per_mtok: output,
  cached_input_per_mtok: Math.round(input * 0.1 * 1e4) / 1e4,
  cache_write_per_mtok: Math.round(input * 1.25 * 1e4) / 1e4,
  ...ANTHROPIC,
});

/** Gemini (prompts up to 200k tokens): output includes thinking tokens; cached = context caching. */
const gemini = (input: number, output: number, cached?: number): PriceEntry => ({
  input_per_mtok: input,
  output_per_mtok: output,
  ...(cached === undefined ? {} : { cached_input_per_mtok: cached }),
  ...GOOGLE,
});

const plain = (
  input: number,
  output: number,
  from: { as_of: string; source: string },
  cached?: number,
): PriceEntry => ({
  input_per_mtok: input,
  output_per_mtok: output,
  ...(cached === undefined ? {} : { cached_input_per_mtok: cached }),
  ...from,
});

/**
 * List prices in USD per million tokens (standard tier, text, no batch discount, short-context
 * rate where a provider has two), each with the day it was read and its pricing page. Keys are
 * model names without dates; `gpt-4o-2024-08-06` finds `gpt-4o` by longest prefix. Prices
 * change: override or extend them with `collector.prices` rather than editing code in a
 * deployment, and re-read the pages when reviewing this table (every entry says from where).
 */
export const PRICE_TABLE: Readonly<Record<string, PriceEntry>> = {
  // OpenAI
  'gpt-5': openai(1.25, 10, 0.125),
  'gpt-5.1': openai(1.25, 10, 0.125),
  'gpt-5-mini': openai(0.25, 2, 0.025),
  'gpt-5-nano': openai(0.05, 0.4, 0.005),
  'gpt-4.1': openai(2, 8, 0.5),
  'gpt-4.1-mini': openai(0.4, 1.6, 0.1),
  'gpt-4.1-nano': openai(0.1, 0.4, 0.025),
  'gpt-4o': openai(2.5, 10, 1.25),
  'gpt-4o-mini': openai(0.15, 0.6, 0.075),
  'gpt-4-turbo': openai(10, 30),
  'gpt-4': openai(30, 60),
  'gpt-3.5-turbo': openai(0.5, 1.5),
  'gpt-3.5-turbo-instruct': openai(1.5, 2),
  o1: openai(15, 60, 7.5),
  'o1-mini': openai(1.1, 4.4, 0.55),
  'o1-pro': openai(150, 600),
  o3: openai(2, 8, 0.5),
  'o3-mini': openai(1.1, 4.4, 0.55),
  'o3-pro': openai(20, 80),
  'o4-mini': openai(1.1, 4.4, 0.275),
  // Anthropic
  'claude-opus-4-5': anthropic(5, 25),
  'claude-opus-4-1': anthropic(15, 75),
  'claude-opus-4': anthropic(15, 75),
  'claude-sonnet-4-5': anthropic(3, 15),
  'claude-sonnet-4': anthropic(3, 15),
  'claude-haiku-4-5': anthropic(1, 5),
  'claude-3-7-sonnet': anthropic(3, 15),
  'claude-3-5-sonnet': anthropic(3, 15),
  'claude-3-5-haiku': anthropic(0.8, 4),
  'claude-3-opus': anthropic(15, 75),
  'claude-3-haiku': anthropic(0.25, 1.25),
  // Google Gemini
  'gemini-3-pro-preview': gemini(2, 12, 0.2),
  'gemini-2.5-pro': gemini(1.25, 10, 0.125),
  'gemini-2.5-flash': gemini(0.3, 2.5, 0.03),
  'gemini-2.5-flash-lite': gemini(0.1, 0.4, 0.01),
  'gemini-2.0-flash': gemini(0.1, 0.4, 0.025),
  'gemini-2.0-flash-lite': gemini(0.075, 0.3),
  'gemini-1.5-pro': gemini(1.25, 5, 0.3125),
  'gemini-1.5-flash': gemini(0.075, 0.3, 0.01875),
  // Mistral (no cache pricing published)
  'mistral-large': plain(2, 6, MISTRAL),
  'mistral-medium': plain(0.4, 2, MISTRAL),
  'mistral-small': plain(0.1, 0.3, MISTRAL),
  codestral: plain(0.3, 0.9, MISTRAL),
  'open-mistral-nemo': plain(0.15, 0.15, MISTRAL),
  'ministral-8b': plain(0.1, 0.1, MISTRAL),
  'ministral-3b': plain(0.04, 0.04, MISTRAL),
  // DeepSeek (V3.2: chat and reasoner priced alike; cache hit = cached input)
  'deepseek-chat': plain(0.28, 0.42, DEEPSEEK, 0.028),
  'deepseek-reasoner': plain(0.28, 0.42, DEEPSEEK, 0.028),
  // xAI
  'grok-4': plain(3, 15, XAI, 0.75),
  'grok-3': plain(3, 15, XAI, 0.75),
  'grok-3-mini': plain(0.3, 0.5, XAI, 0.075),
  // Cohere
  'command-a': plain(2.5, 10, COHERE),
  'command-r-plus': plain(2.5, 10, COHERE),
  'command-r': plain(0.15, 0.6, COHERE),
  // Open-weight models as served by Groq
  'llama-3.3-70b-versatile': plain(0.59, 0.79, GROQ),
  'llama-3.1-8b-instant': plain(0.05, 0.08, GROQ),
};
