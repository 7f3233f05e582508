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
  /** Number of the request's log record: its calls reach the sink only once it is durable. */
  lsn: number;
  replayed: boolean;
}

/**
 * Finished calls not yet taken by their sink, with the log segments they hold; the holds are
 * released once the sink has the calls durably (its `done`). A call whose log record is not yet
 * durable waits here: were it written to ClickHouse first and the process then killed, the
 * exporter (never answered) would send it again to the next process, which could not tell.
 */
export class Outbox {
  private calls: LlmCall[] = [];
  private segs: Map<number, number> | undefined;
  /** Log record numbers of the calls (only with holds), and the highest among them. */
  private lsns: number[] = [];
  private maxLsn = 0;

  constructor(
    readonly sink: CallSink,
    private readonly holds?: SegmentHolds,
  ) {}

  get size(): number {
    return this.calls.length;
  }

  /** Queues a call, the segments it holds (`seg` < 0: none) and its log record number (0: durable). */
  push(call: LlmCall, seg: number, extra?: readonly number[], lsn = 0): void {
    this.calls.push(call);
    if (!this.holds) return;
    this.lsns.push(lsn);
    this.maxLsn = Math.max(this.maxLsn, lsn);
    if (seg >= 0) this.count(seg);
    if (extra) for (const s of extra) this.count(s);
  }

  /**
   * Hands the calls whose log record is resolved (number ≤ `resolvedLsn`) to the sink; keeps
   * them all (counted as held) while the sink is full.
   */
  flush(resolvedLsn = Number.POSITIVE_INFINITY): void {
    if (this.calls.length === 0) return;
    if (this.maxLsn > resolvedLsn) return this.flushResolved(resolvedLsn);
    const { accepted, done } = this.sink.add(this.calls);
    if (!accepted) return;
    const segs = this.segs;
    this.calls = [];
    this.lsns = [];
    this.maxLsn = 0;
    this.segs = undefined;
    this.releaseOnDone(segs, done);
  }

  /** Rare path: some calls wait for their record; the others go, with their holds. */
  private flushResolved(resolvedLsn: number): void {
    const go: LlmCall[] = [];
    const wait: LlmCall[] = [];
    const waitLsns: number[] = [];
    for (let i = 0; i < this.calls.length; i++) {
      const lsn = this.lsns[i] ?? 0;
      if (lsn <= resolvedLsn) go.push(this.calls[i] as LlmCall);
      else {
        wait.push(this.calls[i] as LlmCall);
        waitLsns.push(lsn);
      }
    }
    if (go.length === 0) return;
    const { accepted, done } = this.sink.add(go);
    if (!accepted) return;
    // Holds are counted per outbox, not per call: they all go with the last of its calls.
    this.calls = wait;
    this.lsns = waitLsns;
    this.maxLsn = 0;
    for (const lsn of waitLsns) this.maxLsn = Math.max(this.maxLsn, lsn);
    done.then(undefined, () => undefined);
  }

  private releaseOnDone(segs: Map<number, number> | undefined, done: Promise<void>): void {
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
