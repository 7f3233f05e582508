import { counter } from '../../core/metrics.ts';

/** Metrics of scores from outside Assay (`via`: `api` for `POST /v1/scores`, `otel` for log records). */
export const scoreMetrics = {
  received: counter({
    name: 'assay_external_scores_received_total',
    help: 'Scores from outside Assay taken in (valid items), by way in and kind',
    labelNames: ['via', 'kind'],
  }),
  rejected: counter({
    name: 'assay_external_scores_rejected_total',
    help: 'Scores from outside Assay refused, by way in and reason',
    labelNames: ['via', 'reason'],
  }),
  stored: counter({
    name: 'assay_external_scores_stored_total',
    help: 'Scores from outside Assay written to llm_scores, by kind and path (direct: call already stored; resolved: after waiting)',
    labelNames: ['kind', 'path'],
  }),
  waiting: counter({
    name: 'assay_external_scores_waiting_total',
    help: 'Scores stored in score_inbox because their call was not stored yet',
  }),
  duplicates: counter({
    name: 'assay_external_scores_duplicates_total',
    help: 'Scores not written again: the same (call, evaluator, version, source) is already stored',
  }),
  orphaned: counter({
    name: 'assay_external_scores_orphaned_total',
    help: 'Waiting scores whose call was not found within collector.scores.resolve_wait (kept in score_inbox)',
  }),
  requests: counter({
    name: 'assay_external_scores_requests_total',
    help: 'POST /v1/scores requests by HTTP status',
    labelNames: ['status'],
  }),
};
