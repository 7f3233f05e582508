import { counter, gauge, histogram } from '../../core/metrics.ts';

/** The write-ahead log's Prometheus instruments (one set per process). */
export const walMetrics = {
  bytes: gauge({
    name: 'assay_wal_bytes',
    help: 'Bytes of write-ahead log segments on disk (and queued for them)',
  }),
  segments: gauge({ name: 'assay_wal_segments', help: 'Write-ahead log segment files on disk' }),
  records: counter({ name: 'assay_wal_records_total', help: 'Records appended to the write-ahead log' }),
  appendedBytes: counter({
    name: 'assay_wal_appended_bytes_total',
    help: 'Bytes appended to the write-ahead log (headers included)',
  }),
  slicedBytes: counter({
    name: 'assay_wal_sliced_bytes_total',
    help: 'Bytes of OTLP trace requests not written to the write-ahead log because the pipeline used none of those spans',
  }),
  fsyncSeconds: histogram({
    name: 'assay_wal_fsync_seconds',
    help: 'Duration of one fdatasync of the write-ahead log, seconds (one per group commit)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  }),
  groupRecords: histogram({
    name: 'assay_wal_group_records',
    help: 'Records made durable by one write + fsync (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  }),
  replayed: counter({
    name: 'assay_wal_replayed_records_total',
    help: 'Records read back from the write-ahead log at start and fed to the pipeline',
  }),
  damaged: counter({
    name: 'assay_wal_damaged_segments_total',
    help: 'Segments whose replay stopped at a damaged record (short = torn tail of a crash, checksum, length, magic)',
    labelNames: ['damage'],
  }),
  truncated: counter({
    name: 'assay_wal_truncated_segments_total',
    help: 'Segments deleted once everything in them was in ClickHouse or the spool',
  }),
  writeErrors: counter({
    name: 'assay_wal_write_errors_total',
    help: 'Failed writes or fsyncs of the write-ahead log (the requests in them were answered 503)',
  }),
  refused: counter({
    name: 'assay_wal_refused_total',
    help: 'OTLP requests refused by the write-ahead log: full (429) or failed (503)',
    labelNames: ['reason'],
  }),
};
