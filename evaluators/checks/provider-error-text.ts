import { z } from 'zod';
import { normaliseForMatch, fail, pass, splitStorageMarker } from './text.ts';
import type { CheckDefinition } from './types.ts';

/** Error texts gateways and providers return; written normalised (lower case). */
export const ERROR_PHRASES: readonly string[] = [
  'upstream connect error',
  'upstream request timeout',
  'no healthy upstream',
  'rate limit exceeded',
  'rate_limit_exceeded',
  'rate_limit_error',
  'too many requests',
  'internal server error',
  'bad gateway',
  'service unavailable',
  'service temporarily unavailable',
  'gateway timeout',
  'gateway time-out',
  'context_length_exceeded',
  "this model's maximum context length is",
  'maximum context length is',
  'the server had an error while processing your request',
  'overloaded_error',
  'model is currently overloaded',
  'that model is currently overloaded',
  'insufficient_quota',
  'you exceeded your current quota',
  'invalid_api_key',
  'incorrect api key provided',
  'request timed out',
  'connection reset by peer',
  'econnreset',
  'econnrefused',
  'an internal error has occurred',
  'an error occurred while processing your request',
  'resource_exhausted',
  'deadline_exceeded',
  'invalid_request_error',
];

export const providerErrorTextConfigSchema = z
  .object({
    /** Phrases added to the built-in list. Default []. */
    extra_phrases: z.array(z.string().trim().min(3)).default([]),
    /** Characters at the start of the answer searched for a phrase. Default 300. */
    scan_chars: z.number().int().min(20).default(300),
    /**
     * Longer answers are not searched for phrases (an answer explaining HTTP 429 is not one);
     * JSON error envelopes and HTML error pages are recognised at any length. Default 1000.
     */
    max_chars: z.number().int().min(20).default(1000),
  })
  .strict();

export type ProviderErrorTextConfig = z.output<typeof providerErrorTextConfigSchema>;

const HTML_START = /^\s*(?:<!doctype html|<html)/i;
const HTML_ERROR_TITLE =
  /<title>[^<]{0,120}?(?:\b[45]\d\d\b|error|bad gateway|unavailable|time-?out|too many requests)[^<]{0,120}<\/title>/i;

/** `{"error": {...}}` (OpenAI), `{"type": "error", "error": {...}}` (Anthropic), `{"error": "…"}`: small objects keyed by `error`. */
function errorEnvelope(text: string): string | null {
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}') || t.length > 10_000) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(t);
  } catch {
    return null;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return null;
  const obj = doc as Record<string, unknown>;
  if (!('error' in obj) || Object.keys(obj).length > 4) return null;
  const err = obj['error'];
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object') {
    const e = err as Record<string, unknown>;
    const msg = e['message'] ?? e['type'] ?? e['code'];
    return typeof msg === 'string' || typeof msg === 'number' ? String(msg) : 'error object';
  }
  return null;
}

/** An error message returned as if it were the answer: gateway texts, provider error JSON, HTML error pages. */
export const providerErrorText: CheckDefinition<ProviderErrorTextConfig> = {
  id: 'provider_error_text',
  version: '1',
  description:
    'The answer is a provider or gateway error message (text, JSON error envelope, HTML error page).',
  configSchema: providerErrorTextConfigSchema,
  requiresParams: false,
  create(config) {
    const phrases = [...ERROR_PHRASES, ...config.extra_phrases.map(normaliseForMatch)];
    return (input) => {
      if (input.status === 'error') return null;
      const { text } = splitStorageMarker(input.response);
      if (text.trim() === '') return null;
      const envelope = errorEnvelope(text);
      if (envelope !== null) return fail(`JSON error envelope: ${envelope}`);
      if (HTML_START.test(text)) {
        const title = HTML_ERROR_TITLE.exec(text.slice(0, 4000));
        if (title) return fail(`HTML error page: ${title[0].replace(/<\/?title>/gi, '').trim()}`);
      }
      if (text.length <= config.max_chars) {
        const head = normaliseForMatch(text.slice(0, config.scan_chars));
        for (const phrase of phrases) if (head.includes(phrase)) return fail(`error text "${phrase}"`);
      }
      return pass('no provider error text');
    };
  },
};
