import { z } from 'zod';
import { escapeRegExp, normaliseForMatch, fail, pass, splitStorageMarker } from './text.ts';
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

// AWS answers `{"message": "…"}` with the error type in a header or `__type`; such a bare message
// is an error when it says so (a JSON answer may well have a "message" field).
const AWS_ERROR_KEYS = new Set(['message', 'Message', '__type', 'code', 'Code', 'type', 'Type']);
const ERROR_WORDS =
  /\b(?:invalid|error|exception|denied|throttl\w*|rate exceeded|too many|limit|not found|unauthori[sz]ed|forbidden|failed|unavailable|timed? ?out|expired|not authorized|malformed)\b/i;

/** A server-sent events stream that is only error frames (`data: {"error": …}`). */
function sseError(text: string): string | null {
  if (!/^\s*(?:event:|data:)/.test(text) || text.length > 10_000) return null;
  for (const line of text.split('\n')) {
    const m = /^data:\s?(.*)$/.exec(line.trim());
    const found = m?.[1] ? errorEnvelope(m[1]) : null;
    if (found !== null) return found;
  }
  return null;
}

/**
 * `{"error": {...}}` (OpenAI, Azure, Vertex), `{"type": "error", "error": {...}}` (Anthropic),
 * `{"error": "…"}`, and AWS's `{"message": "…", "__type": "…Exception"}`: small error objects.
 */
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
  const keys = Object.keys(obj);
  if (!('error' in obj)) {
    // OpenAI Responses stream: `{"type": "error", "code": …, "message": …}`.
    if (obj['type'] === 'error' && typeof obj['message'] === 'string') return obj['message'];
    const message = obj['message'] ?? obj['Message'];
    if (typeof message !== 'string' || keys.length > 3 || !keys.every((k) => AWS_ERROR_KEYS.has(k)))
      return null;
    const type = obj['__type'] ?? obj['code'] ?? obj['Code'];
    return typeof type === 'string' || ERROR_WORDS.test(message) ? message : null;
  }
  if (keys.length > 4) return null;
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
  version: '2',
  description:
    'The answer is a provider or gateway error message (text, JSON error envelope, HTML error page).',
  configSchema: providerErrorTextConfigSchema,
  requiresParams: false,
  create(config) {
    const phrases = [...ERROR_PHRASES, ...config.extra_phrases.map(normaliseForMatch)];
    // One scan for any phrase first: most answers hold none, and one alternation is several
    // times cheaper than a search per phrase. A hit is then named in list order, as before.
    const anyPhrase = new RegExp(phrases.map(escapeRegExp).join('|'));
    return (input) => {
      if (input.status === 'error') return null;
      const { text } = splitStorageMarker(input.response);
      if (text.trim() === '') return null;
      const envelope = errorEnvelope(text) ?? sseError(text);
      if (envelope !== null) return fail(`JSON error envelope: ${envelope}`);
      if (HTML_START.test(text)) {
        const title = HTML_ERROR_TITLE.exec(text.slice(0, 4000));
        if (title) return fail(`HTML error page: ${title[0].replace(/<\/?title>/gi, '').trim()}`);
      }
      if (text.length <= config.max_chars) {
        const head = normaliseForMatch(text.slice(0, config.scan_chars));
        if (anyPhrase.test(head))
          for (const phrase of phrases) {
            const at = head.indexOf(phrase);
            if (at < 0) continue;
            // An error message opens with its phrase; an answer that mentions "Internal Server
            // Error" in a sentence (a joke, an explanation) is likely not one: unsure.
            return fail(`error text "${phrase}"`, 0, at <= 24 ? 0.95 : 0.6);
          }
      }
      return pass('no provider error text');
    };
  },
};
