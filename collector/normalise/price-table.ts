/** USD per million tokens. */
export interface Price {
  input_per_mtok: number;
  output_per_mtok: number;
}

/**
 * List prices in USD per million tokens (standard tier, text, no batch discount, short-context
 * rate where a provider has two), as published by each provider's pricing page. Keys are model
 * names without dates; `gpt-4o-2024-08-06` finds `gpt-4o` by longest prefix. Prices change:
 * override or extend them with `collector.prices` rather than editing code in a deployment.
 * Last reviewed 2025-11.
 */
export const PRICE_TABLE: Readonly<Record<string, Price>> = {
  // OpenAI
  'gpt-5': { input_per_mtok: 1.25, output_per_mtok: 10 },
  'gpt-5-mini': { input_per_mtok: 0.25, output_per_mtok: 2 },
  'gpt-5-nano': { input_per_mtok: 0.05, output_per_mtok: 0.4 },
  'gpt-4.1': { input_per_mtok: 2, output_per_mtok: 8 },
  'gpt-4.1-mini': { input_per_mtok: 0.4, output_per_mtok: 1.6 },
  'gpt-4.1-nano': { input_per_mtok: 0.1, output_per_mtok: 0.4 },
  'gpt-4o': { input_per_mtok: 2.5, output_per_mtok: 10 },
  'gpt-4o-mini': { input_per_mtok: 0.15, output_per_mtok: 0.6 },
  'gpt-4-turbo': { input_per_mtok: 10, output_per_mtok: 30 },
  'gpt-4': { input_per_mtok: 30, output_per_mtok: 60 },
  'gpt-3.5-turbo': { input_per_mtok: 0.5, output_per_mtok: 1.5 },
  o1: { input_per_mtok: 15, output_per_mtok: 60 },
  'o1-mini': { input_per_mtok: 1.1, output_per_mtok: 4.4 },
  'o1-pro': { input_per_mtok: 150, output_per_mtok: 600 },
  o3: { input_per_mtok: 2, output_per_mtok: 8 },
  'o3-mini': { input_per_mtok: 1.1, output_per_mtok: 4.4 },
  'o3-pro': { input_per_mtok: 20, output_per_mtok: 80 },
  'o4-mini': { input_per_mtok: 1.1, output_per_mtok: 4.4 },
  // Anthropic
  'claude-opus-4-5': { input_per_mtok: 5, output_per_mtok: 25 },
  'claude-opus-4-1': { input_per_mtok: 15, output_per_mtok: 75 },
  'claude-opus-4': { input_per_mtok: 15, output_per_mtok: 75 },
  'claude-sonnet-4-5': { input_per_mtok: 3, output_per_mtok: 15 },
  'claude-sonnet-4': { input_per_mtok: 3, output_per_mtok: 15 },
  'claude-haiku-4-5': { input_per_mtok: 1, output_per_mtok: 5 },
  'claude-3-7-sonnet': { input_per_mtok: 3, output_per_mtok: 15 },
  'claude-3-5-sonnet': { input_per_mtok: 3, output_per_mtok: 15 },
  'claude-3-5-haiku': { input_per_mtok: 0.8, output_per_mtok: 4 },
  'claude-3-opus': { input_per_mtok: 15, output_per_mtok: 75 },
  'claude-3-haiku': { input_per_mtok: 0.25, output_per_mtok: 1.25 },
  // Google Gemini
  'gemini-2.5-pro': { input_per_mtok: 1.25, output_per_mtok: 10 },
  'gemini-2.5-flash': { input_per_mtok: 0.3, output_per_mtok: 2.5 },
  'gemini-2.5-flash-lite': { input_per_mtok: 0.1, output_per_mtok: 0.4 },
  'gemini-2.0-flash': { input_per_mtok: 0.1, output_per_mtok: 0.4 },
  'gemini-2.0-flash-lite': { input_per_mtok: 0.075, output_per_mtok: 0.3 },
  'gemini-1.5-pro': { input_per_mtok: 1.25, output_per_mtok: 5 },
  'gemini-1.5-flash': { input_per_mtok: 0.075, output_per_mtok: 0.3 },
  // Mistral
  'mistral-large': { input_per_mtok: 2, output_per_mtok: 6 },
  'mistral-medium': { input_per_mtok: 0.4, output_per_mtok: 2 },
  'mistral-small': { input_per_mtok: 0.1, output_per_mtok: 0.3 },
  codestral: { input_per_mtok: 0.3, output_per_mtok: 0.9 },
  'open-mistral-nemo': { input_per_mtok: 0.15, output_per_mtok: 0.15 },
  'ministral-8b': { input_per_mtok: 0.1, output_per_mtok: 0.1 },
  'ministral-3b': { input_per_mtok: 0.04, output_per_mtok: 0.04 },
  // DeepSeek
  'deepseek-chat': { input_per_mtok: 0.27, output_per_mtok: 1.1 },
  'deepseek-reasoner': { input_per_mtok: 0.55, output_per_mtok: 2.19 },
  // xAI
  'grok-4': { input_per_mtok: 3, output_per_mtok: 15 },
  'grok-3': { input_per_mtok: 3, output_per_mtok: 15 },
  'grok-3-mini': { input_per_mtok: 0.3, output_per_mtok: 0.5 },
  // Cohere
  'command-a': { input_per_mtok: 2.5, output_per_mtok: 10 },
  'command-r-plus': { input_per_mtok: 2.5, output_per_mtok: 10 },
  'command-r': { input_per_mtok: 0.15, output_per_mtok: 0.6 },
  // Open-weight models as served by Groq
  'llama-3.3-70b-versatile': { input_per_mtok: 0.59, output_per_mtok: 0.79 },
  'llama-3.1-8b-instant': { input_per_mtok: 0.05, output_per_mtok: 0.08 },
};
