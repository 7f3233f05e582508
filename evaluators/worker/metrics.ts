import { counter, histogram } from '../../core/metrics.ts';

/** Instruments of `assay worker`; counted per job or per evaluation, never logged per item. */
export const workerMetrics = {
  processed: counter({
    name: 'assay_jobs_processed_total',
    help: 'Evaluation jobs handled, by outcome (completed, retried, delayed, failed)',
    labelNames: ['outcome'],
  }),
  failed: counter({
    name: 'assay_jobs_failed_total',
    help: 'Evaluation jobs given up, by reason (bad_payload, call_not_found, writer_full, clickhouse, stalled, other)',
    labelNames: ['reason'],
  }),
  evaluations: counter({
    name: 'assay_evaluations_total',
    help: 'Evaluations by evaluator and outcome (passed, failed, not_applicable, error, judge_failed, deferred, skipped, gave_up)',
    labelNames: ['evaluator', 'outcome'],
  }),
  notApplicable: counter({
    name: 'assay_checks_not_applicable_total',
    help: 'Checks that could not run on a call and said why, by evaluator and code (invalid_tool_schema, tool_schema_too_large, …)',
    labelNames: ['evaluator', 'code'],
  }),
  seconds: histogram({
    name: 'assay_evaluation_seconds',
    help: 'Time to run one evaluator on one call, by kind (check, judge)',
    labelNames: ['kind'],
    buckets: [1e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
  }),
};
