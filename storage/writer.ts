import { randomUUID } from 'node:crypto';
import { backoffDelay, sleep } from '../core/retry.ts';
import { insertBatch, jsonEachRow, type RowFormat } from './batch-insert.ts';
import { classifyClickhouseError } from './client.ts';
import { SettleTracker } from './settle-tracker.ts';
import { Spool, type SpooledBatch } from './spool.ts';
import type { BatchWriterOptions } from './writer-options.ts';
import * as m from './writer-metrics.ts';

export type { BatchWriterOptions };

/**
 * Rows as added: encoded at once, so the row objects die young (a buffered batch of prompts and
 * answers would otherwise be copied by every scavenge until it was sent); only the rows the
 * hooks need afterwards are kept.
 */
interface Chunk<T> {
  payload: Buffer;
  rowCount: number;
  kept: T[];
}

/**
 * A batch cut from the buffer or read back from the spool: its token is fixed for its whole life
 * (retries, spool, replay).
 */
interface Batch<T> {
  token: string;
  /**
   * The rows the hooks get: those `retain` kept (all of them with a beforeInsert); for a replay,
   * every row decoded from the bytes, or none when no hook needs them.
   */
  rows: T[];
  rowCount: number;
  payload: Buffer;
  format: RowFormat<T>;
}

type Attempt = { ok: true; written: unknown[] } | { ok: false; retryable: boolean; err: unknown };

/** `shutdown()` could neither send nor spool every row: they are not kept by the writer. */
export class WriterShutdownError extends Error {
  constructor(
    readonly table: string,
    readonly rows: number,
  ) {
    super(`${rows} rows of ${table} could be neither written nor spooled before the shutdown deadline`);
    this.name = 'WriterShutdownError';
  }
}

/** A full disk or quota: the spool cannot take batches until space returns. */
function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Batched, idempotent inserts with a disk spool. Rows are buffered, cut into batches of at
 * most `batchRows`, and inserted with an `insert_deduplication_token` fixed per batch, so a
 * retry (same token, same bytes) never double-counts in the table or in the rollups fed by its
 * materialised views. While ClickHouse is unreachable, batches go to the spool; every backoff
 * first tries to replay the oldest spooled batch, and only while that fails are new batches
 * spilled behind it (so a returning ClickHouse is fed from the spool at once, and a full disk
 * never blocks a replay). A full disk (ENOSPC, EDQUOT) keeps the rows in memory and is retried
 * with the outage backoff until space returns. One batch is in flight at a time.
 */
export class BatchWriter<T extends object> {
  private readonly spool: Spool;
  private readonly tracker = new SettleTracker();
  private readonly instance = randomUUID().slice(0, 8);
  private readonly labels: { table: string };
  private readonly format: RowFormat<T>;
  private buffer: Chunk<T>[] = [];
  private bufferedRows = 0;
  private held: Batch<T> | undefined;
  private batchSeq = 0;
  private flushWanted = false;
  private closing = false;
  private deadlinePassed = false;
  private nextAttemptAt = 0;
  private outageAttempts = 0;
  private woken = false;
  /** Spooled batches left by a previous process not yet replayed. */
  private startupLeft: number;
  private diskFull = false;
  private lastErrorCode: string | undefined;
  private wakeCtl = new AbortController();
  private insertCtl = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly loop: Promise<void>;
  private closed: Promise<void> | undefined;

  constructor(private readonly opts: BatchWriterOptions<T>) {
    this.labels = { table: opts.name };
    this.format = opts.format ?? jsonEachRow<T>();
    this.spool = new Spool(opts.spoolDir);
    this.startupLeft = this.spool.size;
    if (this.spool.size > 0)
      opts.logger.info(
        { table: opts.name, batches: this.spool.size, bytes: this.spool.bytes },
        'replaying spooled batches',
      );
    this.timer = setInterval(() => {
      if (this.bufferedRows > 0) this.wake(true);
    }, opts.flushIntervalMs);
    this.timer.unref();
    this.loop = this.run().catch((err: unknown) =>
      opts.logger.error({ err, table: opts.name }, 'batch writer stopped'),
    );
    this.updateGauges();
  }

  /** Adds rows if they all fit under maxBufferedRows (buffer + in flight); returns false and adds nothing otherwise. Never blocks. */
  tryAdd(rows: T[]): boolean {
    return this.add(rows).accepted;
  }

  /** Like tryAdd, but the promise settles when these rows are in ClickHouse or durably spooled. */
  add(rows: T[]): { accepted: boolean; done: Promise<void> } {
    if (this.closing || rows.length > this.available()) return { accepted: false, done: Promise.resolve() };
    const keep = this.opts.beforeInsert ? undefined : this.opts.retain;
    for (let i = 0; i < rows.length; i += this.opts.batchRows) {
      const part = rows.length <= this.opts.batchRows ? rows : rows.slice(i, i + this.opts.batchRows);
      this.buffer.push({
        payload: this.format.encode(part),
        rowCount: part.length,
        kept: keep ? part.filter(keep) : part,
      });
    }
    this.bufferedRows += rows.length;
    const done = this.tracker.accept(rows.length);
    // Callers that only use tryAdd never look at `done`; its rejection is reported via metrics.
    done.catch(() => undefined);
    if (this.bufferedRows >= this.opts.batchRows) this.wake(false);
    this.updateGauges();
    return { accepted: true, done };
  }

  /** Free room in rows. */
  available(): number {
    return Math.max(0, this.opts.maxBufferedRows - this.bufferedRows - (this.held?.rowCount ?? 0));
  }

  /** Sends what is buffered now; resolves once it is written, spooled or dead-lettered. */
  flush(): Promise<void> {
    const all = this.tracker.all();
    if (this.bufferedRows > 0) this.wake(true);
    return all;
  }

  /** True once every batch spooled by a previous process is replayed (or dead-lettered). */
  startupSpoolReplayed(): boolean {
    return this.startupLeft === 0;
  }

  /**
   * Stops intake and timers, sends what it can within the deadline, spools the rest. Rejects
   * with {@link WriterShutdownError} when rows could be neither sent nor spooled (a full disk
   * with ClickHouse away): the caller must not report a clean stop. Idempotent.
   */
  shutdown(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      clearInterval(this.timer);
      const deadline = setTimeout(() => {
        this.deadlinePassed = true;
        this.insertCtl.abort();
        this.wake(true);
      }, this.opts.shutdownTimeoutMs ?? 10_000);
      this.wake(true);
      await this.loop;
      clearTimeout(deadline);
      this.updateGauges();
      const left = this.bufferedRows + (this.held?.rowCount ?? 0);
      if (left > 0) {
        const err = new WriterShutdownError(this.opts.name, left);
        this.opts.logger.error({ table: this.opts.name, rows: left }, err.message);
        throw err;
      }
    })();
    return this.closed;
  }

  stats(): {
    buffered: number;
    inFlight: number;
    spoolBytes: number;
    spoolBatches: number;
    diskFull: boolean;
  } {
    return {
      buffered: this.bufferedRows,
      inFlight: this.held?.rowCount ?? 0,
      spoolBytes: this.spool.bytes,
      spoolBatches: this.spool.size,
      diskFull: this.diskFull,
    };
  }

  private async run(): Promise<void> {
    for (;;) {
      let progressed = true;
      try {
        progressed = await this.step();
      } catch (err) {
        // Disk trouble (a full spool disk, permissions): keep the rows in memory, back off, and
        // try again (a replay first) until it clears; logged once per state, not per attempt.
        this.onDiskError(err);
        // Wakes (new rows, the flush timer) must not push a running backoff further out, or the
        // replay it ends in would never come.
        if (Date.now() >= this.nextAttemptAt) this.scheduleOutageRetry();
        if (this.closing && this.deadlinePassed) return;
        await this.waitForWake(this.nextAttemptAt - Date.now());
        continue;
      }
      if (!progressed) {
        // `closing` may have been set while step() ran: exit only once nothing is left.
        if (this.closing && this.bufferedRows === 0 && !this.held) return;
        if (!this.closing) await this.waitForWake();
      }
    }
  }

  /** One unit of work; false when there is nothing to do right now. */
  private async step(): Promise<boolean> {
    // Shutting down during an outage (or past the deadline): everything goes to the spool, unless
    // the disk is full, then sending goes on until the deadline.
    if (this.closing && (this.deadlinePassed || (this.spool.size > 0 && !this.diskFull))) {
      await this.spill(true);
      return false;
    }
    if (this.spool.size > 0) {
      const due = Date.now() >= this.nextAttemptAt;
      if (due && (await this.replayOldest())) {
        // ClickHouse answers: a due batch goes along with the replay, so intake is not held up.
        const batch = this.nextBatch();
        if (batch) await this.sendHeld(batch);
        return true;
      }
      // Still away: due batches wait behind the spool (memory stays free), then the backoff. A
      // full disk is tried again once per backoff, after the replay attempt.
      if (due || !this.diskFull) await this.spill(false);
      await this.backingOff();
      return true;
    }
    const batch = this.nextBatch();
    if (!batch) return false;
    if (await this.backingOff()) return true;
    await this.sendHeld(batch);
    return true;
  }

  /** Waits (interruptibly) while an outage backoff is running; true if it waited. */
  private async backingOff(): Promise<boolean> {
    const wait = this.nextAttemptAt - Date.now();
    if (wait <= 0 || this.closing) return false;
    await this.waitForWake(wait);
    return true;
  }

  /** The held batch, or a new one cut from the buffer when one is due. */
  private nextBatch(): Batch<T> | undefined {
    if (this.held) return this.held;
    const due =
      this.bufferedRows >= this.opts.batchRows ||
      (this.bufferedRows > 0 && (this.flushWanted || this.closing));
    if (!due) return undefined;
    // Whole chunks (one per add, none larger than batchRows) up to batchRows.
    let n = 0;
    let rowCount = 0;
    while (n < this.buffer.length) {
      const size = (this.buffer[n] as Chunk<T>).rowCount;
      if (n > 0 && rowCount + size > this.opts.batchRows) break;
      rowCount += size;
      n++;
    }
    const chunks = this.buffer.splice(0, n);
    this.bufferedRows -= rowCount;
    if (this.bufferedRows === 0) this.flushWanted = false;
    this.held = {
      token: `${this.opts.name}-${this.instance}-${++this.batchSeq}`,
      rows: chunks.flatMap((c) => c.kept),
      rowCount,
      // One chunk goes as it is: Buffer.concat would copy it.
      payload:
        chunks.length === 1 ? (chunks[0] as Chunk<T>).payload : Buffer.concat(chunks.map((c) => c.payload)),
      format: this.format,
    };
    return this.held;
  }

  /** Sends a fresh batch with a few quick retries, then spools it if ClickHouse stays away. */
  private async sendHeld(batch: Batch<T>): Promise<void> {
    const attempts = this.opts.quickAttempts ?? 3;
    for (let i = 0; i < attempts; i++) {
      const r = await this.attempt(batch);
      if (r.ok) return this.finishHeld(r.written);
      if (!r.retryable) return this.killHeld(batch, r.err);
      if (this.closing && this.deadlinePassed) break;
      if (i < attempts - 1)
        await sleep(backoffDelay(i, this.opts.quickBackoff ?? { initialMs: 100, maxMs: 1000 }));
    }
    if (await this.spoolHeld(false))
      this.opts.logger.warn({ table: this.opts.name }, 'ClickHouse unreachable: spooling batches to disk');
    this.scheduleOutageRetry();
  }

  private finishHeld(written: unknown[]): void {
    const n = this.held?.rowCount ?? 0;
    this.held = undefined;
    this.outageAttempts = 0;
    this.tracker.settle(n);
    this.afterWrite(written);
  }

  private async killHeld(batch: Batch<T>, err: unknown): Promise<void> {
    await this.bury(this.spoolable(batch), err);
    this.held = undefined;
    this.tracker.settle(batch.rowCount, err instanceof Error ? err : new Error(String(err)));
    this.updateGauges();
  }

  /** Moves the held batch to the spool if there is room (always when `force`). */
  private async spoolHeld(force: boolean): Promise<boolean> {
    const b = this.held;
    if (!b) return false;
    const batch = this.spoolable(b);
    if (!force && this.spool.bytes + Spool.sizeOf(batch) > this.opts.maxSpoolBytes) return false;
    await this.spool.push(batch);
    this.diskRecovered();
    this.held = undefined;
    this.tracker.settle(batch.rows);
    m.batches.inc({ ...this.labels, outcome: 'spooled' });
    this.updateGauges();
    return true;
  }

  /** Puts the held batch and due buffered rows behind the spool, while it has room (or all, when `force`). */
  private async spill(force: boolean): Promise<void> {
    for (;;) {
      const batch = force && this.bufferedRows > 0 && !this.held ? this.cutAll() : this.nextBatch();
      if (!batch) return;
      if (!(await this.spoolHeld(force))) return;
    }
  }

  private cutAll(): Batch<T> | undefined {
    this.flushWanted = true;
    return this.nextBatch();
  }

  /** A batch as the spool stores it. */
  private spoolable(b: Batch<T>): SpooledBatch {
    const { name, columns } = b.format;
    return {
      token: b.token,
      rows: b.rowCount,
      format: name,
      ...(columns ? { columns } : {}),
      payload: b.payload,
    };
  }

  /** The codec of a spooled batch: this writer's, or JSONEachRow for batches spooled before it changed. */
  /**
   * The format a spooled batch was written in: this writer's, or the same with the fewer columns
   * an earlier version wrote (recorded in the file, or the format's list from before files
   * recorded one), so a batch spooled before an upgrade is still replayed as it was sent.
   */
  private formatOf(name: string, columns?: readonly string[]): RowFormat<T> | undefined {
    if (name !== this.format.name) return name === 'JSONEachRow' ? jsonEachRow<T>() : undefined;
    const written = columns ?? this.format.unrecordedColumns;
    const current = this.format.columns;
    if (!written || !current || sameList(written, current) || !this.format.withColumns) return this.format;
    return this.format.withColumns(written);
  }

  /**
   * Replays the oldest spooled batch with its original token, bytes and format; false when
   * ClickHouse did not take it (retryable: the outage goes on).
   */
  private async replayOldest(): Promise<boolean> {
    const entry = this.spool.oldest();
    if (!entry) return true;
    let batch: Batch<T>;
    try {
      const spooled = await this.spool.read(entry);
      const format = this.formatOf(spooled.format, spooled.columns);
      if (!format) throw new Error(`unknown spooled batch format ${JSON.stringify(spooled.format)}`);
      const rows = this.opts.beforeInsert || this.opts.onWritten ? format.decode(spooled.payload) : [];
      batch = { token: spooled.token, rows, rowCount: spooled.rows, payload: spooled.payload, format };
    } catch (err) {
      this.opts.logger.error(
        { err, table: this.opts.name, file: entry.file },
        'unreadable spool file moved to dead/',
      );
      m.batches.inc({ ...this.labels, outcome: 'dead' });
      await this.spool.quarantine(entry);
      this.consumedStartupBatch();
      return true;
    }
    const r = await this.attempt(batch);
    if (!r.ok && r.retryable) {
      this.opts.logger.debug({ err: r.err, table: this.opts.name }, 'spool replay failed; backing off');
      this.scheduleOutageRetry();
      return false;
    }
    if (r.ok) {
      this.outageAttempts = 0;
      this.nextAttemptAt = 0;
      await this.spool.shift(entry);
      if (this.spool.size === 0) {
        this.diskRecovered();
        this.opts.logger.info({ table: this.opts.name }, 'spool replayed: ClickHouse reachable again');
      }
      this.afterWrite(r.written);
    } else {
      await this.bury(this.spoolable(batch), r.err);
      await this.spool.shift(entry);
    }
    this.consumedStartupBatch();
    this.updateGauges();
    return true;
  }

  private consumedStartupBatch(): void {
    if (this.startupLeft > 0) this.startupLeft--;
  }

  /** A failed step: a full disk is a state (logged when it starts and ends), anything else is logged once per kind. */
  private onDiskError(err: unknown): void {
    if (isDiskFull(err)) {
      if (!this.diskFull)
        this.opts.logger.error(
          { err, table: this.opts.name, dir: this.spool.dir },
          'spool disk full: rows stay in memory and are retried until space returns',
        );
      this.diskFull = true;
      m.spoolDiskFull.set(this.labels, 1);
      return;
    }
    const raw = (err as { code?: unknown } | null)?.code;
    const code = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : 'other';
    if (code !== this.lastErrorCode)
      this.opts.logger.error(
        { err, table: this.opts.name },
        'batch writer step failed; retrying with backoff',
      );
    this.lastErrorCode = code;
  }

  private diskRecovered(): void {
    this.lastErrorCode = undefined;
    if (!this.diskFull) return;
    this.diskFull = false;
    m.spoolDiskFull.set(this.labels, 0);
    this.opts.logger.info({ table: this.opts.name }, 'spool disk writable again');
  }

  private scheduleOutageRetry(): void {
    const backoff = this.opts.outageBackoff ?? { initialMs: 500, maxMs: 10_000 };
    this.nextAttemptAt = Date.now() + backoffDelay(this.outageAttempts++, backoff);
  }

  /** One insert attempt: beforeInsert, then the insert with the batch's token. */
  private async attempt(batch: Batch<T>): Promise<Attempt> {
    const stop = m.insertSeconds.startTimer(this.labels);
    try {
      let sendRows: unknown[] = batch.rows;
      let body = batch.payload;
      let count = batch.rowCount;
      if (this.opts.beforeInsert) {
        const kept = await this.opts.beforeInsert(batch.rows);
        if (kept.length === 0) return { ok: true, written: [] };
        if (kept.length !== batch.rows.length) body = batch.format.encode(kept);
        sendRows = kept;
        count = kept.length;
      }
      await this.insert(batch.token, batch.format, body);
      m.batches.inc({ ...this.labels, outcome: 'written' });
      m.rowsWritten.inc(this.labels, count);
      return { ok: true, written: sendRows };
    } catch (err) {
      const retryable = classifyClickhouseError(err) === 'retryable';
      if (retryable) m.batches.inc({ ...this.labels, outcome: 'retried' });
      return { ok: false, retryable, err };
    } finally {
      stop();
    }
  }

  private async insert(token: string, format: RowFormat<T>, body: Buffer): Promise<void> {
    if (this.insertCtl.signal.aborted && !this.deadlinePassed) this.insertCtl = new AbortController();
    await insertBatch(this.opts.client, this.opts.table, format, token, body, this.insertCtl.signal);
  }

  private afterWrite(written: unknown[]): void {
    this.updateGauges();
    if (written.length === 0 || !this.opts.onWritten) return;
    try {
      this.opts.onWritten(written as T[]);
    } catch (err) {
      this.opts.logger.error({ err, table: this.opts.name }, 'onWritten hook failed');
    }
  }

  private async bury(batch: SpooledBatch, err: unknown): Promise<void> {
    await this.spool.bury(batch);
    m.batches.inc({ ...this.labels, outcome: 'dead' });
    this.opts.logger.error(
      { err, table: this.opts.name, rows: batch.rows, dir: this.spool.deadDir },
      'ClickHouse refused a batch; kept in dead/',
    );
  }

  private wake(flush: boolean): void {
    if (flush) this.flushWanted = true;
    this.woken = true;
    this.wakeCtl.abort();
  }

  private async waitForWake(ms = 60_000): Promise<void> {
    if (!this.woken) {
      this.wakeCtl = new AbortController();
      await sleep(ms, this.wakeCtl.signal);
    }
    this.woken = false;
  }

  private updateGauges(): void {
    m.bufferedRows.set(this.labels, this.bufferedRows + (this.held?.rowCount ?? 0));
    m.spoolBytes.set(this.labels, this.spool.bytes);
  }
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);
