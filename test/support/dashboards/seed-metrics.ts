import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { snapshotRows, type PipelineMetricRow } from '../../../core/metrics-snapshot.ts';

/**
 * Self-metrics of three roles over ~3 hours, produced the way production produces them: real
 * prom-client instruments, snapshotted once a minute with `snapshotRows`. Collector B restarts
 * half-way (a fresh registry), so its counters drop back towards zero.
 */

const MIN = 60_000;
/** Calls dropped per collector per minute, counted after each series' first snapshot. */
const DROP_PER_MIN = 2;
const METRIC_MINUTES = 170;
const RESTART_AT = 90;
// Both collectors count in every minute after the first snapshot (B's restart minute included).
export const DROPPED_AFTER_BASELINE =
  DROP_PER_MIN * (METRIC_MINUTES - 1) + DROP_PER_MIN * (METRIC_MINUTES - 1);

function collectorRegistry(): { reg: Registry; tick: () => void } {
  const reg = new Registry();
  const registers = [reg];
  const spans = new Counter({ name: 'assay_otlp_spans_received_total', help: 'h', registers });
  const dropped = new Counter({
    name: 'assay_calls_dropped_total',
    help: 'h',
    labelNames: ['reason'],
    registers,
  });
  const decisions = new Counter({
    name: 'assay_sampling_decisions_total',
    help: 'h',
    labelNames: ['decision'],
    registers,
  });
  const rows = new Counter({
    name: 'assay_writer_rows_written_total',
    help: 'h',
    labelNames: ['table'],
    registers,
  });
  const requests = new Counter({
    name: 'assay_otlp_requests_total',
    help: 'h',
    labelNames: ['signal', 'encoding', 'status'],
    registers,
  });
  const rejected = new Counter({
    name: 'assay_otlp_rejected_total',
    help: 'h',
    labelNames: ['signal', 'reason'],
    registers,
  });
  const buffered = new Gauge({
    name: 'assay_writer_buffered_rows',
    help: 'h',
    labelNames: ['table'],
    registers,
  });
  const spool = new Gauge({ name: 'assay_writer_spool_bytes', help: 'h', labelNames: ['table'], registers });
  const insert = new Histogram({
    name: 'assay_writer_insert_seconds',
    help: 'h',
    labelNames: ['table'],
    registers,
  });
  const queue = new Gauge({ name: 'assay_queue_depth', help: 'h', registers });
  const enqueue = new Counter({
    name: 'assay_queue_enqueue_total',
    help: 'h',
    labelNames: ['outcome'],
    registers,
  });
  // Series exist from the first snapshot, so every later increment shows up as an increase.
  dropped.inc({ reason: 'buffer_full' }, 0);
  rejected.inc({ signal: 'traces', reason: 'malformed' }, 0);
  for (const d of ['selected', 'floor', 'not_selected', 'shed_rate_cap']) decisions.inc({ decision: d }, 0);
  return {
    reg,
    tick: () => {
      spans.inc(600);
      requests.inc({ signal: 'traces', encoding: 'protobuf', status: '200' }, 60);
      rejected.inc({ signal: 'traces', reason: 'malformed' }, 1);
      dropped.inc({ reason: 'buffer_full' }, DROP_PER_MIN);
      decisions.inc({ decision: 'selected' }, 30);
      decisions.inc({ decision: 'floor' }, 5);
      decisions.inc({ decision: 'not_selected' }, 60);
      decisions.inc({ decision: 'shed_rate_cap' }, 3);
      rows.inc({ table: 'llm_calls' }, 100);
      enqueue.inc({ outcome: 'added' }, 35);
      buffered.set({ table: 'llm_calls' }, 40);
      spool.set({ table: 'llm_calls' }, 0);
      queue.set(12);
      for (let k = 0; k < 19; k++) insert.observe({ table: 'llm_calls' }, 0.02);
      insert.observe({ table: 'llm_calls' }, 0.4);
    },
  };
}

function workerRegistry(): { reg: Registry; tick: () => void } {
  const reg = new Registry();
  const registers = [reg];
  const processed = new Counter({
    name: 'assay_jobs_processed_total',
    help: 'h',
    labelNames: ['outcome'],
    registers,
  });
  const failed = new Counter({
    name: 'assay_jobs_failed_total',
    help: 'h',
    labelNames: ['reason'],
    registers,
  });
  const tokens = new Counter({
    name: 'assay_judge_tokens_total',
    help: 'h',
    labelNames: ['endpoint', 'direction'],
    registers,
  });
  const spend = new Counter({
    name: 'assay_judge_spend_usd_total',
    help: 'h',
    labelNames: ['endpoint'],
    registers,
  });
  const seconds = new Histogram({
    name: 'assay_evaluation_seconds',
    help: 'h',
    labelNames: ['kind'],
    registers,
    buckets: [0.001, 0.01, 0.1, 1, 5],
  });
  const evaluations = new Counter({
    name: 'assay_alert_evaluations_total',
    help: 'h',
    labelNames: ['rule', 'outcome'],
    registers,
  });
  const notifications = new Counter({
    name: 'assay_alert_notifications_total',
    help: 'h',
    labelNames: ['channel', 'outcome'],
    registers,
  });
  return {
    reg,
    tick: () => {
      processed.inc({ outcome: 'completed' }, 35);
      failed.inc({ reason: 'call_not_found' }, 1);
      tokens.inc({ endpoint: 'openai', direction: 'input' }, 4000);
      tokens.inc({ endpoint: 'openai', direction: 'output' }, 200);
      spend.inc({ endpoint: 'openai' }, 0.012);
      seconds.observe({ kind: 'check' }, 0.0005);
      seconds.observe({ kind: 'judge' }, 0.8);
      evaluations.inc({ rule: 'json_valid_drop', outcome: 'in_bounds' }, 12);
      notifications.inc({ channel: 'oncall', outcome: 'delivered' }, 0);
    },
  };
}

export async function metricRows(now: number): Promise<PipelineMetricRow[]> {
  const rows: PipelineMetricRow[] = [];
  const start = now - (METRIC_MINUTES + 5) * MIN;
  const a = collectorRegistry();
  let b = collectorRegistry();
  const w = workerRegistry();
  for (let m = 0; m < METRIC_MINUTES; m++) {
    const timestamp = start + m * MIN + 5_000;
    // Collector B restarts: a fresh registry whose counters begin again from zero.
    if (m === RESTART_AT) b = collectorRegistry();
    if (m > 0) {
      a.tick();
      b.tick();
      w.tick();
    }
    rows.push(
      ...snapshotRows(await a.reg.getMetricsAsJSON(), {
        timestamp,
        role: 'collector',
        instance: 'collector-a',
      }),
    );
    rows.push(
      ...snapshotRows(await b.reg.getMetricsAsJSON(), {
        timestamp,
        role: 'collector',
        instance: 'collector-b',
      }),
    );
    rows.push(
      ...snapshotRows(await w.reg.getMetricsAsJSON(), { timestamp, role: 'worker', instance: 'worker-a' }),
    );
  }
  return rows;
}
