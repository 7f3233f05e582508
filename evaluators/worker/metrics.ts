import type { Counter } from 'prom-client';
import { counter, histogram } from '../../core/metrics.ts';

/** How a cheap check's evaluation ended, as `assay_evaluations_total` labels it. */
export type CheckOutcomeLabel = 'passed' | 'failed' | 'unsure' | 'not_applicable' | 'error';
const CHECK_OUTCOMES: readonly CheckOutcomeLabel[] = [
  'passed',
  'failed',
  'unsure',
  'not_applicable',
  'error',
];

// Cheap checks' evaluations, by evaluator and outcome (CHECK_OUTCOMES order), counted in plain
// numbers: a labelled inc costs about 0.6 µs (prom-client hashes the labels each time), and a call
// has a dozen checks. Added to the counter whenever the registry is read.
const checkCounts = new Map<string, Float64Array>();

/** Counts one evaluation of a cheap check in `assay_evaluations_total`. */
export function countCheck(evaluator: string, outcome: CheckOutcomeLabel): void {
  let counts = checkCounts.get(evaluator);
  if (!counts) checkCounts.set(evaluator, (counts = new Float64Array(CHECK_OUTCOMES.length)));
  (counts[CHECK_OUTCOMES.indexOf(outcome)] as number)++;
}

function flushCheckCounts(this: Counter<'evaluator' | 'outcome'>): void {
  for (const [evaluator, counts] of checkCounts)
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i] as number;
      if (n === 0) continue;
      this.inc({ evaluator, outcome: CHECK_OUTCOMES[i] }, n);
      counts[i] = 0;
    }
}

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
    help: 'Evaluations by evaluator and outcome (passed, failed, unsure, not_applicable, error, judge_failed, deferred, skipped, gave_up)',
    labelNames: ['evaluator', 'outcome'],
    collect: flushCheckCounts,
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

/** `assay_evaluation_seconds{kind="check"}`, bound once instead of its labels looked up at every check. */
export const checkSeconds = workerMetrics.seconds.labels({ kind: 'check' });
