import type { HttpLimits } from '../../core/http-limits.ts';
import type { Logger } from '../../core/logger.ts';
import type { SpanSelection } from '../otlp/index.ts';
import type { LogRecord, Span } from '../span.ts';

/**
 * Whether the sink took a batch. `ok: true` means the items are in a bounded buffer that is
 * flushed on shutdown (only then may the receiver answer 200); `rejected` counts items the sink
 * refused one by one (reported as OTLP partial success). `ok: false` refuses the whole batch and
 * the exporter is told to retry later: `overloaded` → 429, `shutting_down` → 503.
 */
export type AcceptResult =
  { ok: true; rejected: number; message?: string } | { ok: false; reason: 'overloaded' | 'shutting_down' };

/** Where decoded OTLP data goes (the collector pipeline; an in-memory recorder in tests). */
export interface OtlpSink {
  /** Takes decoded spans; answers synchronously whether they were accepted into a bounded buffer. */
  acceptSpans(spans: Span[]): AcceptResult;
  /** Takes decoded log records; same contract as `acceptSpans`. */
  acceptLogs(records: LogRecord[]): AcceptResult;
}

/** The receiver's settings (the matching keys of `collector` in the config file). */
export interface ReceiverConfig {
  /** Accepted bearer tokens; empty = no auth. Config default []. */
  api_keys: string[];
  /** Largest body in bytes, both as sent and after decompression (413 above). Config default 16 MiB. */
  max_body_bytes: number;
  /** `Retry-After` seconds on 429/503. Config default 2. */
  retry_after_seconds: number;
  /** Timeouts and connection bound. Default: `collector.http`'s defaults. */
  http?: HttpLimits;
}

/** What `createReceiverServer` needs injected. */
export interface ReceiverDeps {
  sink: OtlpSink;
  config: ReceiverConfig;
  logger: Logger;
  /** Span attributes the sink reads; the others are not decoded (default: all are). */
  spanSelection?: SpanSelection;
  /** `GET /healthz` answers 200 while this is true, 503 otherwise. */
  isReady: () => boolean;
  /** Clock for the rate-limited warnings; default `Date.now`. */
  now?: () => number;
}
