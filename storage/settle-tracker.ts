interface Waiter {
  /** Rows before this add (exclusive) and after it (inclusive), in acceptance order. */
  from: number;
  to: number;
  failed?: Error;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Settles `add()` promises of a FIFO writer: rows are accepted and settled (written, spooled
 * or refused) in the same order, so a promise is done once the settled count reaches the
 * count at its add, and rejected when any of its rows was refused for good.
 */
export class SettleTracker {
  private accepted = 0;
  private settled = 0;
  private readonly waiters: Waiter[] = [];

  /** Counts `n` accepted rows and returns a promise for them. */
  accept(n: number): Promise<void> {
    const from = this.accepted;
    this.accepted += n;
    if (n === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ from, to: this.accepted, resolve, reject }));
  }

  /** A promise for everything accepted so far (failures are not errors here). */
  all(): Promise<void> {
    const target = this.accepted;
    if (this.settled >= target) return Promise.resolve();
    return new Promise((resolve) =>
      this.waiters.push({ from: target, to: target, resolve, reject: () => resolve() }),
    );
  }

  /** Marks the next `n` rows settled; `error` when they were refused (dead-lettered). */
  settle(n: number, error?: Error): void {
    const from = this.settled;
    this.settled += n;
    if (error) for (const w of this.waiters) if (w.from < this.settled && w.to > from) w.failed ??= error;
    while (this.waiters[0] && this.waiters[0].to <= this.settled) {
      const w = this.waiters.shift();
      if (!w) break;
      if (w.failed) w.reject(w.failed);
      else w.resolve();
    }
  }
}
