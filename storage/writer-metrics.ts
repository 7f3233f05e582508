import { counter, gauge, histogram } from '../core/metrics.ts';

/** Rows in successful inserts (a replay the server deduplicated counts again). */
export const rowsWritten = counter({
  name: 'assay_writer_rows_written_total',
  help: 'Rows written to ClickHouse by the batch writer',
  labelNames: ['table'],
});

/** Batch outcomes: written, retried (one per failed attempt), spooled, dead. */
export const batches = counter({
  name: 'assay_writer_batches_total',
  help: 'Batches by outcome: written, retried (per failed attempt), spooled (to disk), dead (refused for good)',
  labelNames: ['table', 'outcome'],
});

/** Rows held in memory (buffer + the batch being sent). */
export const bufferedRows = gauge({
  name: 'assay_writer_buffered_rows',
  help: 'Rows held in memory by the batch writer (buffered + in flight)',
  labelNames: ['table'],
});

/** Bytes waiting in the disk spool. */
export const spoolBytes = gauge({
  name: 'assay_writer_spool_bytes',
  help: 'Bytes of batches waiting in the disk spool',
  labelNames: ['table'],
});

/** Duration of one insert attempt. */
export const insertSeconds = histogram({
  name: 'assay_writer_insert_seconds',
  help: 'Duration of one insert attempt, seconds',
  labelNames: ['table'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

/** 1 while the spool cannot be written for lack of space (ENOSPC/EDQUOT); clears by itself. */
export const spoolDiskFull = gauge({
  name: 'assay_writer_spool_disk_full',
  help: 'Whether the last spool write failed for lack of disk space (1) or not (0); retried until space returns',
  labelNames: ['table'],
});
