import type { HttpLimits } from '../../core/http-limits.ts';
import type { Logger } from '../../core/logger.ts';
import type { OtlpEncoding, SpanSelection, TraceLayout } from '../otlp/index.ts';
import type { LogRecord, Span } from '../span.ts';
import type { ExternalScore } from '../scores/item.ts';
import type { StoreResult } from '../scores/store.ts';

/**
 * Whether the sink took a batch. `ok: true` means the items are in a bounded buffer that is
 * flushed on shutdown; with `durable`, the receiver answers 200 only once that promise resolves
 * (the request is in the write-ahead log) and 503 when it rejects. `rejected` counts items the
 * sink refused one by one (reported as OTLP partial success). `ok: false` refuses the whole
 * batch and the exporter is told to retry later: `overloaded` and `log_full` → 429,
 * `shutting_down` → 503.
 */
export type AcceptResult =
  | { ok: true; rejected: number; message?: string; durable?: Promise<void> }
  | { ok: false; reason: 'overloaded' | 'log_full' | 'shutting_down' };

/** An OTLP request body as received (before decompression), for the write-ahead log. */
export interface OtlpBody {
  bytes: Uint8Array;
  encoding: OtlpEncoding;
  gzip: boolean;
  /** The decompressed body (the same bytes when not compressed). */
  plain?: Uint8Array;
  /** Protobuf traces: where each decoded span is in `plain`, so a subset can be logged. */
  layout?: TraceLayout;
}

/** Where decoded OTLP data goes (the collector pipeline; an in-memory recorder in tests). */
export interface OtlpSink {
  /** Takes decoded spans; answers synchronously whether they were accepted into a bounded buffer. */
  acceptSpans(spans: Span[], body?: OtlpBody): AcceptResult;
  /** Takes decoded log records; same contract as `acceptSpans`. */
  acceptLogs(records: LogRecord[], body?: OtlpBody): AcceptResult;
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
  /** `POST /v1/scores` is served when given (`collector.scores.enabled`). */
  scores?: ScoresEndpoint;
  /** Clock for the rate-limited warnings; default `Date.now`. */
  now?: () => number;
}

/** What `POST /v1/scores` needs: where scores go, the batch bound, the redactor for comments. */
export interface ScoresEndpoint {
  accept(scores: ExternalScore[]): Promise<StoreResult>;
  /** Items per request at most (413 above): `collector.scores.max_batch`. */
  maxBatch: number;
  /** Applied to reasons and feedback comments before storage (the prompts' redactor). */
  redact: (text: string) => string;
}
