import { counter } from '../../core/metrics.ts';

/** The receiver's Prometheus instruments (one set per process; see `core/metrics.ts`). */
export const receiverMetrics = {
  requests: counter({
    name: 'assay_otlp_requests_total',
    help: 'OTLP/HTTP export requests answered, by signal, body encoding and HTTP status',
    labelNames: ['signal', 'encoding', 'status'],
  }),
  spans: counter({ name: 'assay_otlp_spans_received_total', help: 'Valid spans decoded from OTLP requests' }),
  logRecords: counter({
    name: 'assay_otlp_log_records_received_total',
    help: 'Valid log records decoded from OTLP requests',
  }),
  rejected: counter({
    name: 'assay_otlp_rejected_total',
    help:
      'OTLP data refused, by reason. Counts items (spans/log records) when the request was decoded ' +
      '(invalid_span, invalid_log_record, sink_rejected, overloaded, log_full, log_failed, shutting_down), else requests ' +
      '(decode_error, too_large, unsupported_media_type, unsupported_encoding, unauthorized, bad_request)',
    labelNames: ['signal', 'reason'],
  }),
  droppedAttributes: counter({
    name: 'assay_otlp_dropped_attributes_total',
    help: 'Attributes dropped because their OTLP/JSON value had the wrong type (the span was kept)',
    labelNames: ['signal'],
  }),
  decodeSeconds: counter({
    name: 'assay_otlp_decode_cpu_seconds_total',
    help:
      'CPU seconds spent decoding OTLP request bodies (after decompression), by signal; against ' +
      'process_cpu_seconds_total it tells how much of the collector goes to parsing OTLP',
    labelNames: ['signal'],
  }),
  bytes: counter({
    name: 'assay_otlp_request_bytes_total',
    help: 'OTLP request body bytes as received (before decompression)',
    labelNames: ['signal'],
  }),
};
