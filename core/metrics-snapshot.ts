import type { ClickHouseClient } from '@clickhouse/client';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.ts';
import { counter, registry as defaultRegistry } from './metrics.ts';

/**
 * Copies this process's Prometheus registry into `assay.pipeline_metrics` every few seconds, so
 * the Pipeline health dashboard reads Assay's own health from the same ClickHouse data source as
 * everything else (no Prometheus server needed). Counters are stored cumulative, as Prometheus
 * exposes them; the dashboard takes per-(role, instance) differences and treats a drop as a
 * restart.
 */

/** One row of `assay.pipeline_metrics`. */
export interface PipelineMetricRow {
  /** ms since the epoch. */
  timestamp: number;
  role: string;
  instance: string;
  /** Sample name: the metric name, or `<name>_bucket|_sum|_count` for histograms. */
  metric: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricsSnapshotOptions {
  /** Only `insert` is used. */
  client: Pick<ClickHouseClient, 'insert'>;
  /** Database holding `pipeline_metrics`. */
  database: string;
  /** `collector`, `worker`, `alerter` or `all`. */
  role: string;
  /** Distinguishes processes of one role, e.g. `host:pid`. */
  instance: string;
  /** Time between snapshots. Default 10000 ms. */
  intervalMs?: number;
  logger: Logger;
  /** Registry to copy. Default the process registry of `core/metrics.ts`. */
  registry?: Registry;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

export interface MetricsSnapshots {
  /** Takes one snapshot now and waits for its insert; never throws. */
  snapshot(): Promise<void>;
  /** Stops the timer, waits for an in-flight insert and writes a last snapshot. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Node's default process metrics (GC and heap histograms per space) would triple the rows for
 * little use; these few are kept because they explain a slow pipeline.
 */
const PROCESS_METRICS_KEPT = new Set([
  'assay_process_cpu_seconds_total',
  'assay_process_resident_memory_bytes',
  'assay_process_nodejs_eventloop_lag_p99_seconds',
]);

/** Failures to write a snapshot (ClickHouse down, table missing); logged at most once a minute. */
const snapshotFailures = counter({
  name: 'assay_metrics_snapshot_failures_total',
  help: 'Self-metric snapshots that could not be written to ClickHouse',
});

const LOG_EVERY_MS = 60_000;
/** A last snapshot at shutdown must not hold the process up when ClickHouse is gone. */
const STOP_TIMEOUT_MS = 5_000;

type JsonMetric = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];

/** Which metrics are copied: Assay's own, plus a few process metrics. */
export function isSnapshotted(name: string): boolean {
  if (name.startsWith('assay_process_')) return PROCESS_METRICS_KEPT.has(name);
  return name.startsWith('assay_');
}

/** The rows for one snapshot of `metrics` (from `registry.getMetricsAsJSON()`). Pure. */
export function snapshotRows(
  metrics: JsonMetric[],
  meta: { timestamp: number; role: string; instance: string },
): PipelineMetricRow[] {
  const rows: PipelineMetricRow[] = [];
  for (const m of metrics) {
    if (!isSnapshotted(m.name)) continue;
    for (const sample of m.values as Array<{ value: number; labels: object; metricName?: string }>) {
      // JSON has no Infinity/NaN (a never-set gauge, an empty summary): such samples are skipped.
      if (!Number.isFinite(sample.value)) continue;
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(sample.labels)) if (v !== undefined) labels[k] = String(v);
      rows.push({ ...meta, metric: sample.metricName ?? m.name, labels, value: sample.value });
    }
  }
  return rows;
}

/** Starts snapshotting: one now, then one every `intervalMs`. */
export function startMetricsSnapshots(opts: MetricsSnapshotOptions): MetricsSnapshots {
  const reg = opts.registry ?? defaultRegistry;
  const now = opts.now ?? Date.now;
  const table = `${opts.database}.pipeline_metrics`;
  let inFlight: Promise<void> | undefined;
  let failuresSinceLog = 0;
  let lastLogAt = -Infinity;

  const write = async (signal?: AbortSignal): Promise<void> => {
    try {
      const rows = snapshotRows(await reg.getMetricsAsJSON(), {
        timestamp: now(),
        role: opts.role,
        instance: opts.instance,
      });
      await opts.client.insert({ table, values: rows, format: 'JSONEachRow', abort_signal: signal });
    } catch (err) {
      snapshotFailures.inc();
      failuresSinceLog++;
      if (now() - lastLogAt >= LOG_EVERY_MS) {
        opts.logger.warn(
          { err, failures: failuresSinceLog },
          'could not write self-metrics snapshot to ClickHouse',
        );
        lastLogAt = now();
        failuresSinceLog = 0;
      }
    }
  };
  const snapshot = (signal?: AbortSignal): Promise<void> => {
    // One insert at a time: when ClickHouse is slow, skipped ticks are better than a pile-up.
    inFlight ??= write(signal).finally(() => (inFlight = undefined));
    return inFlight;
  };

  void snapshot();
  const timer = setInterval(() => void snapshot(), opts.intervalMs ?? 10_000);
  timer.unref();

  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    clearInterval(timer);
    await inFlight;
    await snapshot(AbortSignal.timeout(STOP_TIMEOUT_MS));
  };
  return { snapshot: () => snapshot(), stop: () => (stopped ??= stop()) };
}
