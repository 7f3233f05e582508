import { ROOT_CONTEXT, TraceFlags, isValidSpanId, isValidTraceId, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { ASSAY_EXPORT_SCOPE, EVALUATION_ATTRS as A, EVALUATION_EVENT } from '../../core/evaluation-event.ts';
import type { Logger } from '../../core/logger.ts';
import { counter, gauge } from '../../core/metrics.ts';
import type { ScoreRow } from '../scores/rows.ts';
import type { ScoreExportConfig } from './config.ts';

type ExportDone = Parameters<LogRecordExporter['export']>[1];
/** `ExportResultCode.SUCCESS` of @opentelemetry/core (not a direct dependency). */
const SUCCESS = 0;

const m = {
  exported: counter({
    name: 'assay_score_export_records_total',
    help: 'Scores exported as gen_ai.evaluation.result log records, by outcome (sent, failed after retries)',
    labelNames: ['outcome'],
  }),
  dropped: counter({
    name: 'assay_score_export_dropped_total',
    help: 'Scores not exported, by reason (queue_full, invalid_ids, shut_down)',
    labelNames: ['reason'],
  }),
  queued: gauge({ name: 'assay_score_export_queued', help: 'Score records waiting to be exported' }),
};

/** Sends the worker's scores out as OTel evaluation events; `add` never blocks or throws. */
export interface ScoreExporter {
  add(rows: readonly ScoreRow[]): void;
  /** Sends what is queued. */
  flush(): Promise<void>;
  /** Flushes (bounded by `timeout`) and stops. Idempotent. */
  shutdown(): Promise<void>;
}

export interface ScoreExporterDeps {
  config: ScoreExportConfig & { endpoint: string };
  logger: Logger;
  /** The transport (tests); default the OTel JS OTLP/HTTP JSON log exporter. */
  exporter?: LogRecordExporter;
}

/** `/v1/logs` under a base URL, unless the URL names it already (the OTel exporter convention). */
export function logsUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/logs') ? base : `${base}/v1/logs`;
}

/**
 * Built on the OTel JS logs SDK: a `BatchLogRecordProcessor` (batches of `batch_size`, every
 * `flush_interval`) over the OTLP/HTTP JSON exporter, which retries 429/502/503/504 and network
 * errors with exponential backoff (up to 5 attempts within `timeout`). The queue is bounded here,
 * before the SDK's own (sized above it, so the SDK never drops silently): a record over
 * `max_queue` is dropped and counted, and so is every record of a batch that failed for good.
 * Each record is parented to the scored call (trace and span id) and carries
 * `gen_ai.evaluation.name`, `.score.value`, `.score.label` (pass / fail / unsure) and
 * `.explanation`, plus Assay's evaluator version and kind.
 */
export function createScoreExporter(deps: ScoreExporterDeps): ScoreExporter {
  const { config } = deps;
  let queued = 0;
  let closed: Promise<void> | undefined;
  const settle = (n: number, outcome: 'sent' | 'failed') => {
    queued -= n;
    m.queued.set(queued);
    m.exported.inc({ outcome }, n);
  };
  const inner =
    deps.exporter ??
    new OTLPLogExporter({
      url: logsUrl(config.endpoint),
      headers: config.headers,
      timeoutMillis: config.timeout,
    });
  let failures = 0;
  const counting: LogRecordExporter = {
    export(records: ReadableLogRecord[], done: ExportDone) {
      inner.export(records, (r) => {
        const ok = (r.code as number) === SUCCESS;
        settle(records.length, ok ? 'sent' : 'failed');
        if (!ok && failures++ % 100 === 0)
          deps.logger.warn({ err: r.error, records: records.length }, 'score export failed after retries');
        done(r);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'assay' }),
    processors: [
      new BatchLogRecordProcessor({
        exporter: counting,
        maxQueueSize: config.max_queue + config.batch_size,
        maxExportBatchSize: config.batch_size,
        scheduledDelayMillis: config.flush_interval,
        exportTimeoutMillis: config.timeout,
      }),
    ],
  });
  const logger = provider.getLogger(ASSAY_EXPORT_SCOPE);
  return {
    add(rows) {
      for (const row of rows) {
        if (closed) {
          m.dropped.inc({ reason: 'shut_down' });
          continue;
        }
        if (!isValidTraceId(row.trace_id) || !isValidSpanId(row.span_id)) {
          m.dropped.inc({ reason: 'invalid_ids' });
          continue;
        }
        if (queued >= config.max_queue) {
          m.dropped.inc({ reason: 'queue_full' });
          continue;
        }
        queued++;
        logger.emit(recordOf(row));
      }
      m.queued.set(queued);
    },
    flush: () => provider.forceFlush(),
    shutdown: () => (closed ??= provider.shutdown().catch(() => undefined)),
  };
}

function recordOf(row: ScoreRow) {
  const attributes: Record<string, string | number> = {
    [A.name]: row.evaluator,
    [A.value]: row.score,
    [A.label]: row.outcome,
    'assay.evaluator.version': row.evaluator_version,
    'assay.evaluator.kind': row.kind,
  };
  if (row.reason) attributes[A.explanation] = row.reason;
  if (row.judge_model) attributes['assay.judge.model'] = row.judge_model;
  return {
    eventName: EVALUATION_EVENT,
    timestamp: row.scored_at,
    severityNumber: SeverityNumber.INFO,
    attributes,
    context: trace.setSpanContext(ROOT_CONTEXT, {
      traceId: row.trace_id,
      spanId: row.span_id,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    }),
  };
}
