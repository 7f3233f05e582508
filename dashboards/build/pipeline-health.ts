import { dashboard, queryVariable, type Dashboard, type PanelSpec } from './model.ts';
import { counterIncreases, gaugeValues, histogramQuantiles, type CounterQuery } from './sql.ts';

const ROLE = '$__conditionalAll(role IN (${role:singlequote}), $role)';

/** A time series of per-second rates of counters, one series per `group` value. */
function rate(title: string, q: CounterQuery, label: string, extra: Partial<PanelSpec> = {}): PanelSpec {
  return {
    type: 'timeseries',
    title,
    unit: 'reqps',
    ...extra,
    sql: [
      `SELECT time, grp AS ${label}, rate FROM (${counterIncreases({ ...q, where: q.where ? `${q.where} AND ${ROLE}` : ROLE })}) ORDER BY time`,
    ],
  };
}

/** Counts per panel interval as stacked bars: for rare events (drops, sheds) a rate hides them. */
function increases(title: string, q: CounterQuery, label: string, extra: Partial<PanelSpec> = {}): PanelSpec {
  return {
    ...rate(title, q, label, extra),
    unit: extra.unit ?? 'short',
    defaults: { custom: { drawStyle: 'bars', stacking: { mode: 'normal' }, fillOpacity: 80 } },
    sql: [
      `SELECT time, grp AS ${label}, inc AS count FROM (${counterIncreases({ ...q, where: q.where ? `${q.where} AND ${ROLE}` : ROLE })}) ORDER BY time`,
    ],
  };
}

function gauge(title: string, metric: string, group: string, label: string, unit: string): PanelSpec {
  return {
    type: 'timeseries',
    title,
    unit,
    sql: [`SELECT time, grp AS ${label}, value FROM (${gaugeValues(metric, group, ROLE)}) ORDER BY time`],
  };
}

const byLabel = (key: string): string => `labels['${key}']`;

/** Pipeline health: what Assay's roles export about themselves, snapshotted into `pipeline_metrics`. */
export function pipelineHealth(): Dashboard {
  return dashboard(
    {
      uid: 'assay-pipeline-health',
      title: 'Assay / Pipeline health',
      description:
        'Ingest, sampling, queue, writer and alerting health of Assay itself, from the metrics each role snapshots into ClickHouse.',
    },
    [
      queryVariable(
        'role',
        'Role',
        'SELECT DISTINCT role FROM pipeline_metrics WHERE $__timeFilter(timestamp) ORDER BY role',
      ),
    ],
    [],
    [
      rate(
        'Ingest: spans, calls and rows per second',
        {
          metrics: [
            'assay_otlp_spans_received_total',
            'assay_llm_calls_total',
            'assay_writer_rows_written_total',
          ],
          group:
            "concat(replaceRegexpOne(metric, '^assay_(.*)_total$', '\\\\1'), if(labels['table'] != '', concat(' ', labels['table']), ''))",
        },
        'series',
        { w: 24 },
      ),
      rate(
        'OTLP requests by status',
        { metrics: ['assay_otlp_requests_total'], group: "concat(labels['signal'], ' ', labels['status'])" },
        'request',
      ),
      increases(
        'Rejected spans and dropped calls',
        {
          metrics: ['assay_otlp_rejected_total', 'assay_calls_dropped_total'],
          group:
            "concat(if(metric = 'assay_otlp_rejected_total', 'rejected ', 'dropped '), labels['reason'])",
        },
        'reason',
      ),
      rate(
        'Sampling decisions',
        { metrics: ['assay_sampling_decisions_total'], group: byLabel('decision') },
        'decision',
      ),
      {
        type: 'timeseries',
        title: 'Sampling rate',
        description: 'Calls selected for evaluation (selected + floor) over all sampling decisions.',
        unit: 'percentunit',
        sql: [
          `SELECT time, sumIf(inc, grp IN ('selected', 'floor')) / nullIf(sum(inc), 0) AS sampling_rate
FROM (${counterIncreases({ metrics: ['assay_sampling_decisions_total'], group: byLabel('decision'), where: ROLE })})
GROUP BY time ORDER BY time`,
        ],
      },
      increases(
        'Shed: sampling caps and backpressure',
        {
          metrics: ['assay_sampling_decisions_total'],
          group: byLabel('decision'),
          where: "labels['decision'] LIKE 'shed_%'",
        },
        'decision',
      ),
      gauge('Queue depth', 'assay_queue_depth', "''", 'queue', 'short'),
      rate(
        'Enqueue outcomes',
        { metrics: ['assay_queue_enqueue_total'], group: byLabel('outcome') },
        'outcome',
      ),
      rate(
        'Jobs processed by outcome',
        { metrics: ['assay_jobs_processed_total'], group: byLabel('outcome') },
        'outcome',
      ),
      increases(
        'Jobs failed by reason',
        { metrics: ['assay_jobs_failed_total'], group: byLabel('reason') },
        'reason',
      ),
      gauge('Writer buffered rows', 'assay_writer_buffered_rows', byLabel('table'), 'table', 'short'),
      gauge('Writer spool size', 'assay_writer_spool_bytes', byLabel('table'), 'table', 'bytes'),
      {
        type: 'timeseries',
        title: 'Write latency p50 / p95',
        unit: 's',
        sql: [histogramQuantiles('assay_writer_insert_seconds', 'table', ROLE)],
      },
      {
        type: 'timeseries',
        title: 'Write latency mean',
        unit: 's',
        sql: [
          `SELECT time, tbl AS table, sumIf(inc, metric_part = 'sum') / nullIf(sumIf(inc, metric_part = 'count'), 0) AS mean_seconds
FROM (
  SELECT time, grp.1 AS tbl, grp.2 AS metric_part, inc
  FROM (${counterIncreases({ metrics: ['assay_writer_insert_seconds_sum', 'assay_writer_insert_seconds_count'], group: "(labels['table'], replaceRegexpOne(metric, '.*_', ''))", where: ROLE })})
)
GROUP BY time, table ORDER BY time`,
        ],
      },
      rate(
        'Judge tokens per second',
        {
          metrics: ['assay_judge_tokens_total'],
          group: "concat(labels['endpoint'], ' ', labels['direction'])",
        },
        'series',
      ),
      increases(
        'Judge spend per interval (USD)',
        { metrics: ['assay_judge_spend_usd_total'], group: byLabel('endpoint') },
        'endpoint',
        { unit: 'currencyUSD' },
      ),
      rate(
        'Alert evaluations by outcome',
        { metrics: ['assay_alert_evaluations_total'], group: byLabel('outcome') },
        'outcome',
      ),
      increases(
        'Alert notifications by channel and outcome',
        {
          metrics: ['assay_alert_notifications_total'],
          group: "concat(labels['channel'], ' ', labels['outcome'])",
        },
        'series',
      ),
      {
        type: 'table',
        title: 'Reporting instances',
        description:
          'Each role instance and its last snapshot: a stale row means that process stopped reporting.',
        w: 24,
        h: 6,
        sql: [
          `SELECT role, instance, max(timestamp) AS last_snapshot, uniqExact(metric) AS metrics
FROM pipeline_metrics WHERE $__timeFilter(timestamp) AND ${ROLE}
GROUP BY role, instance ORDER BY role, instance`,
        ],
      },
    ],
  );
}
