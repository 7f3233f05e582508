import type { LlmCall } from '../core/llm-call.ts';

/** Where finished calls go: the ClickHouse writer (bounded). */
export interface CallSink {
  /**
   * Takes all rows or none (`accepted` false when full); `done` settles once the rows are in
   * ClickHouse, in the disk spool, or refused for good (kept in the spool's dead/ folder).
   */
  add(rows: LlmCall[]): { accepted: boolean; done: Promise<void> };
  /** Free room in rows. */
  available(): number;
}

/**
 * Write-ahead log segments that calls were read from: a segment is kept while anything taken
 * from it is not yet safe (collector/wal/wal.ts).
 */
export interface SegmentHolds {
  hold(seg: number, n?: number): void;
  release(seg: number, n?: number): void;
}

/**
 * Where an OTLP item came from when the write-ahead log is on: the log segment its request is
 * (or was, when `replayed`) written to.
 */
export interface Origin {
  seg: number;
  replayed: boolean;
}

/**
 * Finished calls not yet taken by their sink, with the log segments they hold; the holds are
 * released once the sink has the calls durably (its `done`).
 */
export class Outbox {
  private calls: LlmCall[] = [];
  private segs: Map<number, number> | undefined;

  constructor(
    readonly sink: CallSink,
    private readonly holds?: SegmentHolds,
  ) {}

  get size(): number {
    return this.calls.length;
  }

  /** Queues a call and the segments it holds (`seg` < 0: none). */
  push(call: LlmCall, seg: number, extra?: readonly number[]): void {
    this.calls.push(call);
    if (!this.holds) return;
    if (seg >= 0) this.count(seg);
    if (extra) for (const s of extra) this.count(s);
  }

  /** Hands everything to the sink; keeps it (counted as held) while the sink is full. */
  flush(): void {
    if (this.calls.length === 0) return;
    const { accepted, done } = this.sink.add(this.calls);
    if (!accepted) return;
    const segs = this.segs;
    this.calls = [];
    this.segs = undefined;
    const holds = this.holds;
    if (!segs || !holds) return;
    const release = (): void => {
      for (const [seg, n] of segs) holds.release(seg, n);
    };
    done.then(release, release);
  }

  private count(seg: number): void {
    this.segs ??= new Map();
    this.segs.set(seg, (this.segs.get(seg) ?? 0) + 1);
  }
}
