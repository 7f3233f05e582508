/**
 * SQL fragments shared by the dashboards. Everything here is text for Grafana: the plugin
 * expands `$__…` macros and `$variables` (see `test/support/grafana-macros.ts`, which tests expand them with) before ClickHouse sees it.
 * Rollup tables (`*_1m`) may hold unmerged rows for one key, so every read aggregates with
 * GROUP BY: plain `sum` on `SimpleAggregateFunction` columns, `-Merge` on state columns.
 */
import { queryVariable, type Variable } from './model.ts';

/** The dimension variables, in cascade order. */
export type Dim = 'service' | 'provider' | 'route' | 'model';

/** `AND`-joined filters, each a no-op (`1=1`) while its variable is at All. */
export function filters(dims: readonly Dim[], alias = ''): string {
  const col = (d: Dim): string => (alias ? `${alias}.${d}` : d);
  return (
    dims.map((d) => `$__conditionalAll(${col(d)} IN (\${${d}:singlequote}), $${d})`).join(' AND ') || '1=1'
  );
}

/** Re-buckets per-minute rollup rows to the panel interval (Grafana's steps above 1m are whole minutes). */
export const BUCKET = 'toStartOfInterval(minute, INTERVAL $__interval_s second)';

/** Turns a per-bucket count into a per-minute rate, whatever the panel interval. */
export const PER_MINUTE = '60 / greatest($__interval_s, 60)';

/**
 * One variable per dimension; each lists the values seen in the range, narrowed by the
 * variables before it so picking a provider offers only its routes.
 */
export function dimensionVariables(dims: readonly Dim[]): Variable[] {
  const labels: Record<Dim, string> = {
    service: 'Service',
    provider: 'Provider',
    route: 'Route',
    model: 'Model',
  };
  return dims.map((d, i) =>
    queryVariable(
      d,
      labels[d],
      `SELECT DISTINCT ${d} FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${filters(dims.slice(0, i))} ORDER BY ${d}`,
    ),
  );
}

/** The `evaluator` variable: every evaluator scored in the range under the dimension filters. */
export function evaluatorVariable(dims: readonly Dim[]): Variable {
  return queryVariable(
    'evaluator',
    'Evaluator',
    `SELECT DISTINCT evaluator FROM llm_scores_1m WHERE $__timeFilter(minute) AND ${filters(dims)} ORDER BY evaluator`,
  );
}

/** Alert state changes as annotations; `tags` comma-separated, which Grafana splits into tags. */
export function alertAnnotationSql(dims: readonly Dim[]): string {
  const scoped = dims.filter((d) => d === 'provider' || d === 'route' || d === 'service');
  return `SELECT timestamp AS time,
  concat(upper(state), ': ', rule) AS title,
  concat(summary, ' (value ', toString(round(value, 4)), ', baseline ', toString(round(baseline, 4)), ', p=', toString(round(p_value, 6)), ', n=', toString(sample_size), ')') AS text,
  arrayStringConcat(arrayFilter(t -> t != '', [state, provider, route, evaluator, metric]), ',') AS tags
FROM alerts
WHERE $__timeFilter(timestamp) AND state IN ('firing', 'resolved') AND ${filters(scoped)}
ORDER BY time`;
}

/** Options for `counterIncreases`. */
export interface CounterQuery {
  /** Metric names as stored in `pipeline_metrics` (histograms: `_sum`, `_count`, `_bucket`). */
  metrics: string[];
  /** Expression over `metric` and `labels` naming the series a panel shows. Default `''`. */
  group?: string;
  /** Extra condition on the raw rows, e.g. on a label. Default none. */
  where?: string;
}

/**
 * Per-bucket increase and per-second rate of cumulative counters snapshotted by every
 * (role, instance). Columns: `time`, `grp`, `inc`, `rate`. Each series takes its highest value
 * per bucket, then the difference to its previous bucket; a drop means the process restarted
 * and counted again from zero, so the new value itself is the increase.
 */
export function counterIncreases(q: CounterQuery): string {
  const metricList = q.metrics.map((m) => `'${m}'`).join(', ');
  return `SELECT time, grp, sum(d) AS inc, sum(if(secs > 0, d / secs, 0)) AS rate
  FROM (
    SELECT time, grp, if(v >= prev_v, v - prev_v, v) AS d, dateDiff('millisecond', prev_ts, ts) / 1000 AS secs
    FROM (
      SELECT time, series, grp, v, ts,
        lagInFrame(v, 1, v) OVER w AS prev_v,
        lagInFrame(ts, 1, ts) OVER w AS prev_ts
      FROM (
        SELECT toStartOfInterval(timestamp, INTERVAL $__interval_s second) AS time,
          concat(metric, '|', role, '|', instance, '|', toString(labels)) AS series,
          ${q.group ?? "''"} AS grp,
          max(value) AS v, max(timestamp) AS ts
        FROM pipeline_metrics
        WHERE $__timeFilter(timestamp) AND metric IN (${metricList}) AND ${q.where ?? '1=1'}
        GROUP BY time, series, grp
      )
      WINDOW w AS (PARTITION BY series ORDER BY time ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
    )
  )
  GROUP BY time, grp`;
}

/** A gauge per bucket: each instance's highest value, summed over instances. Columns `time`, `grp`, `value`. */
export function gaugeValues(metric: string, group = "''", where = '1=1'): string {
  return `SELECT time, grp, sum(v) AS value
  FROM (
    SELECT toStartOfInterval(timestamp, INTERVAL $__interval_s second) AS time,
      concat(role, '|', instance, '|', toString(labels)) AS series, ${group} AS grp, max(value) AS v
    FROM pipeline_metrics
    WHERE $__timeFilter(timestamp) AND metric = '${metric}' AND ${where}
    GROUP BY time, series, grp
  )
  GROUP BY time, grp`;
}

/**
 * p50 and p95 per bucket from a snapshotted Prometheus histogram: the per-bucket increases of
 * its cumulative `_bucket` series, then the smallest `le` whose count reaches the quantile
 * (an upper bound, as coarse as the buckets). Columns `time`, `series`, `p50`, `p95`.
 */
export function histogramQuantiles(metric: string, label: string, where = '1=1'): string {
  return `SELECT time, series, arrayFirst(p -> p.2 >= 0.5 * total, pairs).1 AS p50, arrayFirst(p -> p.2 >= 0.95 * total, pairs).1 AS p95
FROM (
  SELECT time, grp.1 AS series, arraySort(groupArray((if(grp.2 = '+Inf', inf, toFloat64OrZero(grp.2)), inc))) AS pairs, max(inc) AS total
  FROM (${counterIncreases({ metrics: [`${metric}_bucket`], group: `(labels['${label}'], labels['le'])`, where })})
  GROUP BY time, series
)
WHERE total > 0
ORDER BY time`;
}
