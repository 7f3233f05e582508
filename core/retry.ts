/** What `classify(err)` of a dependency decides: try again later, or give up now. */
export type ErrorClass = 'retryable' | 'permanent';

export interface BackoffOptions {
  /** First delay, ms. */
  initialMs: number;
  /** Upper bound for one delay, ms. */
  maxMs: number;
  /** Multiplier per attempt. Default 2. */
  factor?: number;
  /** Jitter fraction in [0, 1]: the delay is scaled by a random factor in [1 - j, 1 + j]. Default 0.2. */
  jitter?: number;
}

/** Delay before attempt `attempt` (0-based) with exponential backoff, a cap and jitter. */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  const base = Math.min(opts.maxMs, opts.initialMs * (opts.factor ?? 2) ** attempt);
  const j = opts.jitter ?? 0.2;
  return Math.max(0, Math.round(base * (1 - j + 2 * j * random())));
}

/**
 * Parses an HTTP `Retry-After` value (delta seconds or an HTTP-date) into milliseconds from
 * `now`; undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
