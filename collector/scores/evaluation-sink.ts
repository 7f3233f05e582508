import type { AcceptResult, OtlpBody, OtlpSink } from '../http/types.ts';
import type { LogRecord } from '../span.ts';
import { ASSAY_EXPORT_SCOPE, EVALUATION_EVENT } from '../../core/evaluation-event.ts';
import { fromEvaluationEvent } from './evaluation-event.ts';
import type { ExternalScore } from './item.ts';
import { scoreMetrics as m } from './metrics.ts';
import type { StoreResult } from './store.ts';

export interface EvaluationSinkDeps {
  store: { accept(scores: ExternalScore[]): Promise<StoreResult> };
  /** Applied to explanations before storage (the prompts' redactor). */
  redact: (text: string) => string;
}

/** Reasons listed in the partial-success message at most (the count is always exact). */
const MAX_LISTED = 20;

/**
 * Wraps the receiver's sink: `gen_ai.evaluation.result` log records on `/v1/logs` become
 * external scores, the other records go on to the pipeline unchanged. The request is answered
 * 200 only once the pipeline took its part and the scores are stored (the `durable` promise);
 * invalid events are reported as OTLP partial success. Records Assay exported itself (scope
 * `assay-scores`, when `score_export` points at a collector) are not taken back in.
 */
export function withEvaluationEvents(inner: OtlpSink, deps: EvaluationSinkDeps): OtlpSink {
  return {
    acceptSpans: (spans, body) => inner.acceptSpans(spans, body),
    acceptLogs(records: LogRecord[], body?: OtlpBody): AcceptResult {
      const events = records.filter((r) => r.eventName === EVALUATION_EVENT);
      if (events.length === 0) return inner.acceptLogs(records, body);
      const others = records.filter((r) => r.eventName !== EVALUATION_EVENT);
      const scores: ExternalScore[] = [];
      const errors: string[] = [];
      for (const rec of events) {
        if (rec.scope.name === ASSAY_EXPORT_SCOPE) {
          m.rejected.inc({ via: 'otel', reason: 'own_export' });
          continue;
        }
        const r = fromEvaluationEvent(rec, deps.redact);
        if (r.ok) {
          m.received.inc({ via: 'otel', kind: 'external' });
          scores.push(r.score);
        } else {
          m.rejected.inc({ via: 'otel', reason: r.reason });
          errors.push(r.message);
        }
      }
      const rest: AcceptResult =
        others.length > 0 ? inner.acceptLogs(others, body) : { ok: true, rejected: 0 };
      if (!rest.ok) return rest;
      const stored = scores.length > 0 ? deps.store.accept(scores) : undefined;
      const durable =
        rest.durable || stored ? Promise.all([rest.durable, stored]).then(() => undefined) : undefined;
      // The caller awaits `durable`; until then a rejection must not surface as unhandled.
      durable?.catch(() => undefined);
      const messages = [...(rest.message ? [rest.message] : []), ...errors.slice(0, MAX_LISTED)];
      return {
        ok: true,
        rejected: rest.rejected + errors.length,
        message: messages.length > 0 ? messages.join('; ') : undefined,
        durable,
      };
    },
  };
}
