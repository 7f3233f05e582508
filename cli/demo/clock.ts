/**
 * The demo's virtual clock: it starts in the past and runs `speed` times faster than real time,
 * so a baseline of half an hour builds up in half a minute. Simulated services stamp their
 * spans with it and the alerter evaluates with it; everything else is real.
 */
export class VirtualClock {
  private readonly realStart = Date.now();

  constructor(
    private readonly virtualStart: number,
    readonly speed: number,
  ) {}

  now = (): number => this.virtualStart + (Date.now() - this.realStart) * this.speed;

  /** Real milliseconds since the demo started. */
  elapsedReal(): number {
    return Date.now() - this.realStart;
  }
}
