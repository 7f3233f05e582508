/** Breaker states; the gauge value is the index (0 closed, 1 half-open, 2 open). */
export type BreakerState = 'closed' | 'half_open' | 'open';
export const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** Time open before one probe is let through. */
  openForMs: number;
  now: () => number;
  onChange?: (state: BreakerState) => void;
}

export type Admission = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * A circuit breaker per judge endpoint. Closed: requests pass; N consecutive failures open it.
 * Open: requests are refused (the caller defers its job) until `openFor` has passed, then it is
 * half-open: exactly one probe passes; its success closes the breaker, its failure opens it
 * again for another `openFor` (or longer, when the failure said how long: a 429's Retry-After).
 * An outcome that says nothing about the endpoint's health (a 400 for one bad request) is
 * `release`d: it only frees the probe slot.
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private openFor = 0;
  private probing = false;

  constructor(private readonly opts: BreakerOptions) {}

  get current(): BreakerState {
    return this.state;
  }

  /** May a request start now? In half-open, only the first caller (the probe) may. */
  admit(): Admission {
    const now = this.opts.now();
    if (this.state === 'open') {
      const left = this.openedAt + this.openFor - now;
      if (left > 0) return { ok: false, retryAfterMs: left };
      this.set('half_open');
    }
    if (this.state === 'half_open') {
      if (this.probing) return { ok: false, retryAfterMs: this.probeWaitMs() };
      this.probing = true;
    }
    return { ok: true };
  }

  /** Like `admit` but takes nothing: would a request be refused right now? */
  peek(): Admission {
    if (this.state === 'open') {
      const left = this.openedAt + this.openFor - this.opts.now();
      if (left > 0) return { ok: false, retryAfterMs: left };
    }
    if (this.state === 'half_open' && this.probing) return { ok: false, retryAfterMs: this.probeWaitMs() };
    return { ok: true };
  }

  /** Time left before an open breaker lets a probe through (0 when not open). */
  remainingOpenMs(): number {
    return this.state === 'open' ? Math.max(0, this.openedAt + this.openFor - this.opts.now()) : 0;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    if (this.state !== 'closed') this.set('closed');
  }

  /** A failed request; `holdMs` (a Retry-After) keeps the breaker open at least that long if it opens. */
  failure(holdMs = 0): void {
    this.probing = false;
    this.failures++;
    if (this.state === 'half_open' || this.failures >= this.opts.failureThreshold) {
      this.openedAt = this.opts.now();
      this.openFor = Math.max(this.opts.openForMs, holdMs);
      if (this.state !== 'open') this.set('open');
    }
  }

  /** The request ended without telling whether the endpoint is healthy. */
  release(): void {
    this.probing = false;
  }

  /** While a probe is out, others come back after about one probe's time (1–5 s). */
  private probeWaitMs(): number {
    return Math.max(1000, Math.min(this.opts.openForMs, 5000));
  }

  private set(state: BreakerState): void {
    this.state = state;
    this.opts.onChange?.(state);
  }
}
