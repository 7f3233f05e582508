/**
 * A bounded set of recently seen keys (oldest forgotten first). The collector uses it to drop
 * a span it already accepted — an exporter that timed out on a slow answer sends the same
 * batch again — without a ClickHouse round trip.
 */
export class RecentKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.keys.size >= this.capacity) {
      const oldest = this.keys.values().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    this.keys.add(key);
  }
}
