/** A counting semaphore whose waiters give up after a bound (the caller then defers its job). */
export class Semaphore {
  private inUse = 0;
  private readonly waiters: Array<(ok: boolean) => void> = [];

  constructor(private readonly limit: number) {}

  /** Resolves true with a slot held, or false when none freed up within `maxWaitMs`. */
  acquire(maxWaitMs: number): Promise<boolean> {
    if (this.inUse < this.limit) {
      this.inUse++;
      return Promise.resolve(true);
    }
    if (maxWaitMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = (ok: boolean): void => {
        clearTimeout(timer);
        resolve(ok);
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      }, maxWaitMs);
      this.waiters.push(waiter);
    });
  }

  /** Hands the slot to the oldest waiter, or frees it. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next(true);
    else this.inUse = Math.max(0, this.inUse - 1);
  }

  /** Refuses every waiter (shutdown). */
  rejectWaiters(): void {
    for (const w of this.waiters.splice(0)) w(false);
  }
}
