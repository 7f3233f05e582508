/**
 * A token bucket that hands out reservations: `reserve` takes a token now if there is one, or
 * books the next free one and says how long to wait for it, unless that wait exceeds `maxWaitMs`
 * (then nothing is booked and the caller defers its job for the returned wait instead).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    /** Tokens added per millisecond. */
    private readonly ratePerMs: number,
    /** Most tokens held (the burst). */
    private readonly capacity: number,
    private readonly now: () => number,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /** `{ ok: true, waitMs }`: booked, start after waitMs. `{ ok: false, waitMs }`: not booked. */
  reserve(maxWaitMs: number): { ok: boolean; waitMs: number } {
    this.refill();
    const waitMs = this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.ratePerMs);
    if (waitMs > maxWaitMs) return { ok: false, waitMs };
    this.tokens -= 1;
    return { ok: true, waitMs };
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.ratePerMs);
    this.last = now;
  }
}
