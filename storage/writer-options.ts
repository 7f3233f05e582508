import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../core/logger.ts';
import type { BackoffOptions } from '../core/retry.ts';
import type { RowFormat } from './batch-insert.ts';

export interface BatchWriterOptions<T> {
  /** Label for metrics and logs, e.g. `llm_calls`. */
  name: string;
  /** Target table with its database, e.g. `assay.llm_calls`. */
  table: string;
  client: ClickHouseClient;
  /** Rows per insert at most. */
  batchRows: number;
  /** Longest a row waits in the buffer before its batch is sent, ms. */
  flushIntervalMs: number;
  /** Rows held in memory (buffer + in flight) at most; beyond it `tryAdd` refuses. */
  maxBufferedRows: number;
  /** Directory of the disk spool (and its `dead/` folder). */
  spoolDir: string;
  /** Bytes the spool may hold; when full (and the buffer too) `tryAdd` refuses. */
  maxSpoolBytes: number;
  logger: Logger;
  /** How rows become insert bytes. Default JSONEachRow. */
  format?: RowFormat<T>;
  /** Optional filter run before each insert attempt (e.g. drop rows whose key already exists). */
  beforeInsert?: (rows: T[]) => Promise<T[]>;
  /**
   * Called after rows are durably in ClickHouse (not when merely spooled), with the rows that
   * `retain` kept (all rows of a replayed spool batch, which are decoded from its bytes).
   */
  onWritten?: (rows: T[]) => void;
  /**
   * Which added rows to keep in memory for `onWritten` until they are written; the others are
   * encoded on arrival and dropped. Default: all. Ignored with `beforeInsert` (it needs them all).
   */
  retain?: (row: T) => boolean;
  /** How long `shutdown()` tries to send before spooling the rest, ms. Default 10000. */
  shutdownTimeoutMs?: number;
  /** Insert attempts of a fresh batch before it goes to the spool. Default 3. */
  quickAttempts?: number;
  /** Backoff between quick attempts. Default 100 ms doubling to 1 s. */
  quickBackoff?: BackoffOptions;
  /** Backoff between replays of the spool while ClickHouse is unreachable. Default 500 ms to 10 s. */
  outageBackoff?: BackoffOptions;
}
