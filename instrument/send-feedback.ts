import { trace } from '@opentelemetry/api';
import { backoffDelay, parseRetryAfter, sleep } from '../core/retry.ts';

/**
 * End-user feedback on an LLM answer, sent from a service to Assay's `POST /v1/scores`
 * (`kind: feedback`). Give thumbs, a rating or a score; a comment is redacted by the collector
 * like prompts are.
 */
export interface Feedback {
  /** The call's trace. Default: the active span's trace (then, without `spanId`, its last LLM call). */
  traceId?: string;
  /** The LLM call's span; omitted: the trace's last call. */
  spanId?: string;
  thumbs?: 'up' | 'down';
  /** 1 to `ratingScale`. */
  rating?: number;
  /** Default 5. */
  ratingScale?: number;
  /** A score in [0, 1] instead of thumbs or a rating. */
  score?: number;
  /** The user's words. */
  comment?: string;
  /** Series name. Default `user_feedback`. */
  evaluator?: string;
  /** Who gave it. Default `user`. */
  source?: string;
}

export interface FeedbackOptions {
  /** Assay collector base URL. Default `http://127.0.0.1:4318`. */
  endpoint?: string;
  /** e.g. `{ authorization: 'Bearer …' }` when the collector has `api_keys`. Default none. */
  headers?: Record<string, string>;
  /** Attempts on 429, 503 and network errors (Retry-After honoured, capped at 10 s). Default 3. */
  attempts?: number;
  /** Per-attempt timeout, ms. Default 5000. */
  timeoutMs?: number;
}

/** Feedback the collector refused (bad input, auth), or could not take after every attempt. */
export class FeedbackError extends Error {
  override name = 'FeedbackError';
  constructor(
    message: string,
    /** HTTP status of the last answer; 0 when the collector could not be reached. */
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Sends one piece of feedback; resolves once Assay stored it: `filed` when its call is stored,
 * `waiting` when the call is not yet (it is filed as soon as it arrives).
 */
export async function sendFeedback(fb: Feedback, opts: FeedbackOptions = {}): Promise<'filed' | 'waiting'> {
  const traceId = fb.traceId ?? trace.getActiveSpan()?.spanContext().traceId;
  if (!traceId) throw new FeedbackError('no traceId given and no active span', 0);
  const item = {
    trace_id: traceId,
    span_id: fb.spanId,
    kind: 'feedback',
    evaluator: fb.evaluator,
    source: fb.source,
    thumbs: fb.thumbs,
    rating: fb.rating,
    rating_scale: fb.ratingScale,
    score: fb.score,
    comment: fb.comment,
  };
  const url = `${(opts.endpoint ?? 'http://127.0.0.1:4318').replace(/\/+$/, '')}/v1/scores`;
  const attempts = opts.attempts ?? 3;
  let last = new FeedbackError('not sent', 0);
  for (let attempt = 0; attempt < attempts; attempt++) {
    let retryAfter: number | undefined;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...opts.headers },
        body: JSON.stringify({ scores: [item] }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
      });
      const body = (await res.json().catch(() => ({}))) as {
        waiting?: number;
        error?: string;
        errors?: { reason: string }[];
      };
      if (res.ok) {
        const reason = body.errors?.[0]?.reason;
        if (reason) throw new FeedbackError(`feedback refused: ${reason}`, res.status);
        return body.waiting ? 'waiting' : 'filed';
      }
      last = new FeedbackError(
        `feedback refused (${res.status}): ${body.error ?? res.statusText}`,
        res.status,
      );
      if (res.status !== 429 && res.status !== 503) throw last;
      retryAfter = parseRetryAfter(res.headers.get('retry-after') ?? undefined);
    } catch (err) {
      if (err instanceof FeedbackError) throw err;
      last = new FeedbackError(`feedback not sent: ${(err as Error).message}`, 0);
    }
    if (attempt + 1 < attempts)
      await sleep(Math.min(10_000, retryAfter ?? backoffDelay(attempt, { initialMs: 200, maxMs: 5000 })));
  }
  throw last;
}
