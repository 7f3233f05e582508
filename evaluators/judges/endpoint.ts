import type { Logger } from '../../core/logger.ts';
import { backoffDelay, sleep } from '../../core/retry.ts';
import { BREAKER_GAUGE, CircuitBreaker } from './breaker.ts';
import type { ChatMessage, ClassifiedError, CompleteFn, CompletionResult } from './client.ts';
import type { JudgeEndpointConfig } from './config.ts';
import { judgeMetrics } from './metrics.ts';
import { Semaphore } from './semaphore.ts';
import { memoryRateLimiters, type RateLimiter } from './rate-limiter.ts';

/** Why a judgement cannot start now; the job is deferred by `retryAfterMs`. */
export type GateRefusal = {
  ok: false;
  reason: 'circuit_open' | 'rate_limited' | 'concurrency';
  retryAfterMs: number;
};
export type Gate = { ok: true; release: () => void } | GateRefusal;

/** A request that did not produce a completion, after retries. */
export type RequestFailureResult = {
  ok: false;
  circuitOpen: boolean;
  circuitRetryMs: number;
} & ClassifiedError;
export type RequestResult = Extract<CompletionResult, { ok: true }> | RequestFailureResult;

/** One judge endpoint with its cost controls: breaker, rate limit, concurrency, retries, prices. */
export interface JudgeEndpoint {
  readonly name: string;
  readonly model: string;
  /** `response_format: json_schema` is sent (else the judge is told to answer plain JSON). */
  readonly structuredOutput: boolean;
  /** Takes a concurrency slot and a rate-limit token (waiting up to `max_wait`), or says when to come back. */
  enter(): Promise<Gate>;
  /** One chat completion with retries on 429/5xx/timeouts, honouring `Retry-After` and the breaker. */
  request(messages: ChatMessage[]): Promise<RequestResult>;
  costUsd(inputTokens: number, outputTokens: number): number;
  /** Aborts requests in flight and refuses waiters. Idempotent. */
  shutdown(): void;
}

const BACKOFF = { initialMs: 500, maxMs: 8000 };

export function createJudgeEndpoint(
  cfg: JudgeEndpointConfig,
  deps: {
    complete: CompleteFn;
    now: () => number;
    logger: Logger;
    /** The endpoint's rate limit; default: this process's own token bucket. */
    limiter?: RateLimiter;
  },
): JudgeEndpoint {
  const labels = { endpoint: cfg.name };
  const breaker = new CircuitBreaker({
    failureThreshold: cfg.breaker.failure_threshold,
    openForMs: cfg.breaker.open_for,
    now: deps.now,
    onChange: (state) => {
      judgeMetrics.breaker.set(labels, BREAKER_GAUGE[state]);
      deps.logger.warn({ endpoint: cfg.name, state }, 'judge endpoint circuit breaker changed state');
    },
  });
  judgeMetrics.breaker.set(labels, 0);
  const limiter =
    deps.limiter ?? memoryRateLimiters(deps.now)(cfg.name, cfg.rate_limit_per_minute, cfg.concurrency);
  const slots = new Semaphore(cfg.concurrency);
  const abort = new AbortController();
  if (!cfg.price)
    deps.logger.warn(
      { endpoint: cfg.name },
      'judge endpoint has no price: cost_usd is 0 and the USD cap cannot hold',
    );

  async function enter(): Promise<Gate> {
    if (abort.signal.aborted) return { ok: false, reason: 'concurrency', retryAfterMs: 1000 };
    const open = breaker.peek();
    if (!open.ok) return { ok: false, reason: 'circuit_open', retryAfterMs: open.retryAfterMs };
    if (!(await slots.acquire(cfg.max_wait)))
      return { ok: false, reason: 'concurrency', retryAfterMs: cfg.max_wait };
    // A limiter that cannot be asked (Redis unreachable) defers the judgement: never over the rate.
    const token = await limiter
      .reserve(cfg.max_wait)
      .catch(() => ({ ok: false, waitMs: Math.max(1000, cfg.max_wait) }));
    if (!token.ok) {
      slots.release();
      return { ok: false, reason: 'rate_limited', retryAfterMs: token.waitMs };
    }
    if (token.waitMs > 0) await sleep(token.waitMs, abort.signal);
    let released = false;
    return { ok: true, release: () => void (released || ((released = true), slots.release())) };
  }

  async function attempt(messages: ChatMessage[]): Promise<CompletionResult> {
    const t0 = performance.now();
    const res = await deps.complete(messages, abort.signal);
    judgeMetrics.latency.observe(labels, (performance.now() - t0) / 1000);
    judgeMetrics.requests.inc({ ...labels, outcome: res.ok ? 'ok' : res.failure });
    if (res.ok) {
      breaker.success();
      judgeMetrics.tokens.inc({ ...labels, direction: 'input' }, res.inputTokens);
      judgeMetrics.tokens.inc({ ...labels, direction: 'output' }, res.outputTokens);
    } else if (res.health === 'failure') breaker.failure(res.retryAfterMs);
    else breaker.release();
    return res;
  }

  async function request(messages: ChatMessage[]): Promise<RequestResult> {
    let last: ClassifiedError = { failure: 'aborted', class: 'permanent', health: 'neutral' };
    let refused = false;
    for (let i = 0; i <= cfg.max_retries && !abort.signal.aborted; i++) {
      refused = !breaker.admit().ok;
      if (refused) break;
      const res = await attempt(messages);
      if (res.ok) return res;
      last = res;
      if (res.class === 'permanent' || i === cfg.max_retries) break;
      const wait = res.retryAfterMs ?? backoffDelay(i, BACKOFF);
      if (wait > cfg.max_retry_wait) break;
      await sleep(wait, abort.signal);
    }
    // Refused by the breaker, or this request's failure opened it: the judgement waits for the endpoint.
    const circuitOpen = refused || breaker.current === 'open';
    return { ok: false, ...last, circuitOpen, circuitRetryMs: Math.max(1000, breaker.remainingOpenMs()) };
  }

  return {
    name: cfg.name,
    model: cfg.model,
    structuredOutput: cfg.structured_output,
    enter,
    request,
    costUsd: (inTok, outTok) =>
      cfg.price ? (inTok * cfg.price.input_per_mtok + outTok * cfg.price.output_per_mtok) / 1e6 : 0,
    shutdown: () => {
      if (abort.signal.aborted) return;
      abort.abort();
      slots.rejectWaiters();
    },
  };
}
