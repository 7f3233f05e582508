import { EVALUATION_ATTRS, EVALUATION_EVENT } from '../../core/evaluation-event.ts';
import type { AttrValue, LogRecord } from '../span.ts';
import { finishScore, responseIdSchema, sourceName, type ExternalScore } from './item.ts';

/**
 * Reads the OpenTelemetry GenAI evaluation event (core/evaluation-event.ts): event name
 * `gen_ai.evaluation.result`, `gen_ai.evaluation.name` required, `gen_ai.evaluation.score.value`
 * (double) and `gen_ai.evaluation.score.label` conditionally required,
 * `gen_ai.evaluation.explanation` recommended, `gen_ai.response.id` when the span id is not
 * available, and `error.type` when the evaluation itself failed. The event SHOULD be parented to
 * the evaluated GenAI span, so the log record's trace and span ids name the call.
 */
const A = EVALUATION_ATTRS;

export type EventResult = { ok: true; score: ExternalScore } | { ok: false; reason: string; message: string };

const text = (v: AttrValue | undefined): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

/**
 * Reads one evaluation event. Refused, with the reason: no evaluator name, an evaluation that
 * reports `error.type`, a score outside [0, 1] (Assay's scores are in [0, 1]; the convention
 * leaves the range open), a record with neither trace and span ids nor a `gen_ai.response.id`
 * (by which it is joined to the call that answered with that id, `llm_calls.response_id`).
 */
export function fromEvaluationEvent(rec: LogRecord, redact: (text: string) => string): EventResult {
  const attrs = rec.attributes;
  const evaluator = text(attrs[A.name]);
  const refuse = (reason: string, message: string): EventResult => ({ ok: false, reason, message });
  if (!evaluator) return refuse('missing_name', `${EVALUATION_EVENT} without ${A.name}`);
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(evaluator))
    return refuse(
      'invalid_name',
      `${A.name} "${evaluator.slice(0, 64)}": letters, digits, _ . : - only, at most 64`,
    );
  if (attrs[A.error] !== undefined)
    return refuse(
      'evaluation_error',
      `${EVALUATION_EVENT} ${evaluator} reports error.type ${text(attrs[A.error])}`,
    );
  const responseId = responseIdSchema.safeParse(text(attrs[A.responseId]));
  if ((!rec.traceId || !rec.spanId) && !responseId.success) {
    const hint =
      attrs[A.responseId] !== undefined ? ` (${A.responseId}: ${responseId.error?.issues[0]?.message})` : '';
    return refuse(
      'no_span',
      `${EVALUATION_EVENT} ${evaluator} has no trace and span id and no ${A.responseId}${hint}`,
    );
  }
  const bySpan = Boolean(rec.traceId && rec.spanId);
  const raw = attrs[A.value];
  let score: number | undefined;
  if (raw !== undefined) {
    score = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
    if (!Number.isFinite(score) || score < 0 || score > 1)
      return refuse('score_out_of_range', `${A.value} of ${evaluator} must be a number in [0, 1]`);
  }
  const label = text(attrs[A.label])?.slice(0, 100) || undefined;
  if (score === undefined && label === undefined)
    return refuse('no_score', `${EVALUATION_EVENT} ${evaluator} has neither ${A.value} nor ${A.label}`);
  const service = rec.resource.attributes['service.name'];
  return {
    ok: true,
    score: finishScore(
      {
        // The span the event is parented to names the call; the response id only when there is none.
        trace_id: bySpan ? rec.traceId : '',
        span_id: bySpan ? rec.spanId : '',
        response_id: bySpan ? '' : (responseId.data ?? ''),
        evaluator,
        evaluator_version: '',
        kind: 'external',
        source: sourceName(typeof service === 'string' ? service : rec.scope.name),
        score,
        label,
        reason: text(attrs[A.explanation]),
      },
      redact,
    ),
  };
}
