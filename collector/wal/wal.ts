import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.ts';
import { walMetrics as m } from './metrics.ts';
import { RECORD_HEADER_BYTES, SEGMENT_MAGIC, parseSegment, recordHeader, type WalRecord } from './record.ts';

/**
 * When an append is made durable: `always` (each record written and fsynced on its own),
 * `batch` (records arriving together share one write and one fdatasync), `none` (written to
 * the OS before the answer, never fsynced: survives a process crash, not a power loss).
 */
export type FsyncPolicy = 'always' | 'batch' | 'none';

export interface WalOptions {
  dir: string;
  fsync: FsyncPolicy;
  /** `batch`: how long the first record of an idle log waits for others to share its fsync, ms. */
  groupCommitMs: number;
  /** A new segment file is started once the current one would pass this size. */
  segmentBytes: number;
  /** Bytes of segments (and queued appends) at most; beyond it {@link WriteAheadLog.position} refuses. */
  maxBytes: number;
  logger: Logger;
  /** Called after each group commit settles (durable or failed), with {@link WriteAheadLog.resolvedLsn}. */
  onResolved?: (lsn: number) => void;
}

/** A segment file on disk. */
interface Segment {
  seq: number;
  file: string;
  bytes: number;
}

interface Queued {
  seg: number;
  lsn: number;
  buffers: Uint8Array[];
  bytes: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** The log is shut down: no more appends. */
export class WalClosedError extends Error {
  constructor() {
    super('write-ahead log is closed');
    this.name = 'WalClosedError';
  }
}

const FILE = /^(\d{12})\.wal$/;
const IOV_MAX = 1024;

/**
 * A write-ahead log of segment files (`000000000001.wal`, …) of checksummed records
 * (record.ts). Appends are queued and written in groups (group commit); each append's promise
 * settles once its record is durable under the fsync policy. Records are not deleted one by
 * one: whoever took something from a record holds its segment number ({@link hold}) until
 * that is safe elsewhere ({@link release}), and segments are deleted oldest first once nothing
 * at or below their number is held. A failed write or fsync rejects its group and starts a
 * new segment (what was written before stays readable). `shutdown()` is idempotent.
 */
export class WriteAheadLog {
  private readonly segments: Segment[] = [];
  /** Segments found at open, replayed before anything is deleted. */
  private readonly old: Segment[];
  private readonly holds = new Map<number, number>();
  private active: { seg: Segment; fh: FileHandle } | undefined;
  /** The segment number {@link position} hands out, and the bytes appended to it so far. */
  private logicalSeq: number;
  private logicalBytes = 0;
  private queue: Queued[] = [];
  private appendedLsn = 0;
  private resolved = 0;
  private queuedBytes = 0;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private replaying = true;
  private truncating: Promise<void> | undefined;
  private truncateAgain = false;
  private failing = false;
  private closed = false;
  private stopped: Promise<void> | undefined;

  constructor(private readonly opts: WalOptions) {
    mkdirSync(opts.dir, { recursive: true });
    for (const name of readdirSync(opts.dir).sort()) {
      const match = FILE.exec(name);
      if (!match?.[1]) continue;
      this.segments.push({ seq: Number(match[1]), file: name, bytes: statSync(join(opts.dir, name)).size });
    }
    this.old = [...this.segments];
    this.logicalSeq = (this.segments.at(-1)?.seq ?? 0) + 1;
    this.updateGauges();
  }

  /** Bytes on disk and queued. */
  get bytes(): number {
    let n = this.queuedBytes;
    for (const s of this.segments) n += s.bytes;
    return n;
  }

  /** Number of the record the next append gets (records are numbered from 1 per process). */
  get nextLsn(): number {
    return this.appendedLsn + 1;
  }

  /** Every record up to this number is durable, or its append failed (and was answered 503). */
  get resolvedLsn(): number {
    return this.resolved;
  }

  /** Segments left by the previous process (to replay). */
  get oldSegments(): number {
    return this.old.length;
  }

  /**
   * The records of the segments found at open, oldest first, with their segment number. Nothing
   * is deleted until {@link replayDone}, so holds taken while replaying keep their segments.
   */
  async *replay(): AsyncGenerator<{ seg: number; record: WalRecord }> {
    for (const s of this.old) {
      const parsed = parseSegment(await readFile(join(this.opts.dir, s.file)));
      if (parsed.damage) {
        m.damaged.inc({ damage: parsed.damage });
        this.opts.logger.warn(
          {
            file: s.file,
            damage: parsed.damage,
            records: parsed.records.length,
            skipped_bytes: parsed.tornBytes,
          },
          'write-ahead log segment ends in a damaged record; replaying what precedes it',
        );
      }
      for (const record of parsed.records) {
        m.replayed.inc();
        yield { seg: s.seq, record };
      }
    }
  }

  /** Replay is over: settled segments may now be deleted. */
  replayDone(): void {
    this.replaying = false;
    this.scheduleTruncate();
  }

  /**
   * The segment the next append of `bytes` (payload) will belong to, starting a new one when the
   * current one would pass `segmentBytes`; `full` beyond `maxBytes`, `closed` after shutdown. An
   * append made in the same tick goes to that segment.
   */
  position(bytes: number): number | 'full' | 'closed' {
    if (this.closed) return 'closed';
    const size = bytes + RECORD_HEADER_BYTES;
    if (this.bytes + size > this.opts.maxBytes) return 'full';
    if (this.logicalBytes > 0 && this.logicalBytes + size > this.opts.segmentBytes) {
      this.logicalSeq++;
      this.logicalBytes = 0;
    }
    return this.logicalSeq;
  }

  /** Appends a record whose payload is `parts` (not copied); settles once it is durable. */
  append(type: number, parts: readonly Uint8Array[]): Promise<void> {
    if (this.closed) return Promise.reject(new WalClosedError());
    const header = recordHeader(type, parts);
    const buffers = [header, ...parts];
    let bytes = 0;
    for (const b of buffers) bytes += b.length;
    this.logicalBytes += bytes;
    this.queuedBytes += bytes;
    m.records.inc();
    m.appendedBytes.inc(bytes);
    const lsn = ++this.appendedLsn;
    return new Promise((resolve, reject) => {
      this.queue.push({ seg: this.logicalSeq, lsn, buffers, bytes, resolve, reject });
      this.schedule();
    });
  }

  /** Something taken from segment `seg` is not yet safe elsewhere. */
  hold(seg: number, n = 1): void {
    this.holds.set(seg, (this.holds.get(seg) ?? 0) + n);
  }

  /** What {@link hold} took is safe now (in ClickHouse or the spool). */
  release(seg: number, n = 1): void {
    const left = (this.holds.get(seg) ?? 0) - n;
    if (left > 0) this.holds.set(seg, left);
    else {
      this.holds.delete(seg);
      this.scheduleTruncate();
    }
  }

  /** Writes what is queued, deletes settled segments, closes the file. Idempotent. */
  shutdown(): Promise<void> {
    this.stopped ??= (async () => {
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      while (this.flushing || this.queue.length) {
        if (!this.flushing) this.startFlush();
        await this.flushing;
      }
      this.replaying = false;
      while (this.truncating) await this.truncating;
      await this.truncate();
      const active = this.active;
      this.active = undefined;
      await active?.fh.close();
      this.updateGauges();
    })();
    return this.stopped;
  }

  private schedule(): void {
    if (this.flushing || this.timer) return;
    const wait = this.opts.fsync === 'batch' ? this.opts.groupCommitMs : 0;
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.startFlush();
      }, wait);
    } else setImmediate(() => this.startFlush());
  }

  private startFlush(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      if (this.queue.length && !this.closed) this.schedule();
      this.scheduleTruncate();
    });
  }

  /** Writes groups until the queue is empty: appends made during a write form the next group. */
  private async flushLoop(): Promise<void> {
    while (this.queue.length) {
      const group = this.opts.fsync === 'always' ? this.queue.splice(0, 1) : this.queue.splice(0);
      let bytes = 0;
      for (const q of group) bytes += q.bytes;
      try {
        await this.writeGroup(group);
        this.queuedBytes -= bytes;
        m.groupRecords.observe(group.length);
        if (this.failing) this.opts.logger.info({ dir: this.opts.dir }, 'write-ahead log writable again');
        this.failing = false;
        for (const q of group) q.resolve();
      } catch (err) {
        this.queuedBytes -= bytes;
        m.writeErrors.inc();
        if (!this.failing)
          this.opts.logger.error({ err, dir: this.opts.dir }, 'write-ahead log write failed; answering 503');
        this.failing = true;
        await this.abandonActive();
        const error = err instanceof Error ? err : new Error(String(err));
        for (const q of group) q.reject(error);
      }
      this.resolved = (group.at(-1) as Queued).lsn;
      this.opts.onResolved?.(this.resolved);
      this.updateGauges();
    }
  }

  private async writeGroup(group: Queued[]): Promise<void> {
    let i = 0;
    while (i < group.length) {
      const target = await this.fileFor((group[i] as Queued).seg);
      const buffers: Uint8Array[] = [];
      let bytes = 0;
      while (i < group.length && (group[i] as Queued).seg <= target.seg.seq) {
        const q = group[i++] as Queued;
        buffers.push(...q.buffers);
        bytes += q.bytes;
      }
      await writeAll(target.fh, buffers);
      target.seg.bytes += bytes;
    }
    if (this.opts.fsync !== 'none' && this.active) await this.sync(this.active.fh);
  }

  private async sync(fh: FileHandle): Promise<void> {
    const stop = m.fsyncSeconds.startTimer();
    await fh.datasync();
    stop();
  }

  /** The open file for records of logical segment `seg`: the active one, or a new one past it. */
  private async fileFor(seg: number): Promise<{ seg: Segment; fh: FileHandle }> {
    if (this.active && this.active.seg.seq >= seg) return this.active;
    if (this.active) {
      const prev = this.active;
      this.active = undefined;
      if (this.opts.fsync !== 'none') await this.sync(prev.fh);
      await prev.fh.close();
    }
    const seq = Math.max(seg, (this.segments.at(-1)?.seq ?? 0) + 1);
    const file = `${String(seq).padStart(12, '0')}.wal`;
    const fh = await open(join(this.opts.dir, file), 'wx');
    try {
      await writeAll(fh, [SEGMENT_MAGIC]);
      if (this.opts.fsync !== 'none') {
        await fh.datasync();
        await syncDir(this.opts.dir);
      }
    } catch (err) {
      await fh.close();
      await unlink(join(this.opts.dir, file)).catch(() => undefined);
      throw err;
    }
    const segment = { seq, file, bytes: SEGMENT_MAGIC.length };
    this.segments.push(segment);
    this.logicalSeq = Math.max(this.logicalSeq, seq);
    this.active = { seg: segment, fh };
    return this.active;
  }

  /**
   * After a failed write: cut the file back to its last whole record (so nothing after a torn
   * record is hidden from replay) and start a new segment for the next group.
   */
  private async abandonActive(): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    this.logicalSeq = Math.max(this.logicalSeq, active.seg.seq + 1);
    this.logicalBytes = 0;
    await active.fh.truncate(active.seg.bytes).catch(() => undefined);
    await active.fh.close().catch(() => undefined);
  }

  private scheduleTruncate(): void {
    if (this.replaying) return;
    if (this.truncating) {
      this.truncateAgain = true;
      return;
    }
    this.truncating = this.truncateLoop().finally(() => (this.truncating = undefined));
  }

  private async truncateLoop(): Promise<void> {
    do {
      this.truncateAgain = false;
      try {
        await this.truncate();
      } catch (err) {
        this.opts.logger.error({ err, dir: this.opts.dir }, 'could not delete a write-ahead log segment');
        return;
      }
    } while (this.truncateAgain);
  }

  /** Deletes segments, oldest first, while nothing at or below their number is held. */
  private async truncate(): Promise<void> {
    let minHeld = Number.POSITIVE_INFINITY;
    for (const seg of this.holds.keys()) minHeld = Math.min(minHeld, seg);
    for (;;) {
      const s = this.segments[0];
      if (!s || s.seq >= minHeld) break;
      if (this.active?.seg === s) {
        // The open segment goes too once everything in it is settled and nothing is queued.
        if (this.queue.length || this.flushing) break;
        const active = this.active;
        this.active = undefined;
        this.logicalSeq = Math.max(this.logicalSeq, s.seq + 1);
        this.logicalBytes = 0;
        await active.fh.close();
      }
      this.segments.shift();
      await unlink(join(this.opts.dir, s.file)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      m.truncated.inc();
    }
    this.updateGauges();
  }

  private updateGauges(): void {
    m.bytes.set(this.bytes);
    m.segments.set(this.segments.length);
  }
}

/** Writes every buffer, continuing after short writes, at most IOV_MAX buffers per call. */
async function writeAll(fh: FileHandle, buffers: Uint8Array[]): Promise<void> {
  let pending = buffers;
  while (pending.length) {
    const chunk = pending.slice(0, IOV_MAX);
    let want = 0;
    for (const b of chunk) want += b.length;
    const { bytesWritten } = await fh.writev(chunk);
    if (bytesWritten === want) {
      pending = pending.slice(chunk.length);
      continue;
    }
    // A short write: skip what went out and go on with the rest.
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const b of pending) {
      if (skip >= b.length) skip -= b.length;
      else {
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    pending = rest;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
