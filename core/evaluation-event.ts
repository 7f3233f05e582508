/**
 * The OpenTelemetry GenAI evaluation event, shared by the collector (which takes it in) and the
 * worker (which sends Assay's own scores out as it): semantic-conventions-genai
 * `model/gen-ai/events.yaml` (first in semconv v1.38.0).
 */
export const EVALUATION_EVENT = 'gen_ai.evaluation.result';

/** Instrumentation scope of the records Assay exports: the collector does not take them back in. */
export const ASSAY_EXPORT_SCOPE = 'assay-scores';

/** The event's attribute keys (`gen_ai.evaluation.name` required, score value or label when applicable). */
export const EVALUATION_ATTRS = {
  name: 'gen_ai.evaluation.name',
  value: 'gen_ai.evaluation.score.value',
  label: 'gen_ai.evaluation.score.label',
  explanation: 'gen_ai.evaluation.explanation',
  responseId: 'gen_ai.response.id',
  error: 'error.type',
} as const;
