import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { ErrorClass } from '../../core/retry.ts';
import { parseRetryAfter } from '../../core/retry.ts';
import type { JudgeEndpointConfig } from './config.ts';
import { JUDGE_RESPONSE_FORMAT } from './output.ts';

export type ChatMessage = ChatCompletionMessageParam;

/** How a request to a judge endpoint failed; the `outcome` label of `assay_judge_requests_total`. */
export type RequestFailure =
  'rate_limited' | 'server_error' | 'client_error' | 'timeout' | 'connection_error' | 'aborted';

/** What the breaker learns from a failure: the endpoint is unwell (or throttling us), or nothing about its health. */
export type HealthSignal = 'failure' | 'neutral';

export interface ClassifiedError {
  failure: RequestFailure;
  class: ErrorClass;
  health: HealthSignal;
  retryAfterMs?: number | undefined;
}

export type CompletionResult =
  | {
      ok: true;
      content: string | null;
      /** The model declined (structured-outputs `refusal`, or `finish_reason: content_filter`). */
      refused: boolean;
      inputTokens: number;
      outputTokens: number;
    }
  | ({ ok: false } & ClassifiedError);

function retryAfter(err: APIError): number | undefined {
  const h = err.headers;
  const ms = h?.get('retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  return parseRetryAfter(h?.get('retry-after'));
}

/**
 * The one `classify(err)` of the judge dependency, by error class and HTTP status (never message
 * text). 429, 408, 409 and 5xx are retryable; 401/403/404 are permanent and mean the endpoint is
 * misconfigured (the breaker counts them, so judging pauses instead of failing every call); other
 * 4xx concern one request only. A 429 counts for the breaker too: a sustained storm of them
 * pauses judging (for at least the `Retry-After`) instead of every job asking again.
 */
export function classify(err: unknown): ClassifiedError {
  if (err instanceof APIUserAbortError) return { failure: 'aborted', class: 'permanent', health: 'neutral' };
  if (err instanceof APIConnectionTimeoutError)
    return { failure: 'timeout', class: 'retryable', health: 'failure' };
  if (err instanceof APIConnectionError)
    return { failure: 'connection_error', class: 'retryable', health: 'failure' };
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    if (status === 429)
      return {
        failure: 'rate_limited',
        class: 'retryable',
        health: 'failure',
        retryAfterMs: retryAfter(err),
      };
    if (status >= 500 || status === 408 || status === 409)
      return {
        failure: 'server_error',
        class: 'retryable',
        health: 'failure',
        retryAfterMs: retryAfter(err),
      };
    const misconfigured = status === 401 || status === 403 || status === 404;
    return { failure: 'client_error', class: 'permanent', health: misconfigured ? 'failure' : 'neutral' };
  }
  return { failure: 'client_error', class: 'permanent', health: 'neutral' };
}

/** One chat completion against an endpoint through the official SDK (its own retries off: ours honour the breaker). */
export type CompleteFn = (messages: ChatMessage[], signal: AbortSignal) => Promise<CompletionResult>;

export function createCompleteFn(cfg: JudgeEndpointConfig, apiKey: string): CompleteFn {
  const client = new OpenAI({ baseURL: cfg.base_url, apiKey, timeout: cfg.timeout, maxRetries: 0 });
  return async (messages, signal) => {
    // The SDK adds an 'abort' listener to the signal it is given and never removes it (it is
    // meant for one request). The endpoint's signal lives as long as the endpoint, so each
    // request gets its own controller, linked to it only while the request runs.
    const own = new AbortController();
    const forward = (): void => own.abort();
    if (signal.aborted) own.abort();
    else signal.addEventListener('abort', forward, { once: true });
    try {
      const res = await client.chat.completions.create(
        {
          model: cfg.model,
          messages,
          temperature: 0,
          ...(cfg.structured_output ? { response_format: JUDGE_RESPONSE_FORMAT } : {}),
        },
        { signal: own.signal },
      );
      const choice = res.choices[0];
      return {
        ok: true,
        content: choice?.message.content ?? null,
        refused: Boolean(choice?.message.refusal) || choice?.finish_reason === 'content_filter',
        inputTokens: res.usage?.prompt_tokens ?? 0,
        outputTokens: res.usage?.completion_tokens ?? 0,
      };
    } catch (err) {
      return { ok: false, ...classify(err) };
    } finally {
      signal.removeEventListener('abort', forward);
    }
  };
}
