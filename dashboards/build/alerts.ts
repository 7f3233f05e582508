import { annotation, dashboard, PROVIDER_ROUTE_LINK, type Dashboard } from './model.ts';
import { alertAnnotationSql, BUCKET, dimensionVariables, filters, type Dim } from './sql.ts';

const DIMS: Dim[] = ['provider', 'route'];
const F = filters(DIMS);

/** Alerts: the `alerts` history as a table, and as annotations on the time series. */
export function alerts(): Dashboard {
  return dashboard(
    {
      uid: 'assay-alerts',
      title: 'Assay / Alerts',
      description: 'Every alert state change Assay recorded, its numbers, and whether on-call was notified.',
    },
    dimensionVariables(DIMS),
    [
      annotation('Assay alerts', 'red', alertAnnotationSql(DIMS)),
      annotation(
        'Failed notifications',
        'orange',
        `SELECT timestamp AS time, concat('notification ', outcome, ' on ', channel) AS title,
  concat(channel_type, ' ', state, ' attempt ', toString(attempt), ' HTTP ', toString(http_status), ' ', error) AS text,
  concat(channel, ',', outcome) AS tags
FROM alert_deliveries WHERE $__timeFilter(timestamp) AND outcome IN ('dropped', 'failed') ORDER BY time`,
      ),
    ],
    [
      {
        type: 'stat',
        title: 'State changes in range',
        w: 8,
        h: 4,
        sql: [
          `SELECT countIf(state = 'firing') AS fired, countIf(state = 'resolved') AS resolved
FROM alerts WHERE $__timeFilter(timestamp) AND ${F}`,
        ],
      },
      {
        type: 'stat',
        title: 'Notification attempts',
        w: 8,
        h: 4,
        sql: [
          `SELECT countIf(outcome = 'delivered') AS delivered, countIf(outcome != 'delivered') AS not_delivered
FROM alert_deliveries WHERE $__timeFilter(timestamp)`,
        ],
      },
      {
        type: 'stat',
        title: 'Series alerted',
        w: 8,
        h: 4,
        sql: [`SELECT uniqExact(fingerprint) AS series FROM alerts WHERE $__timeFilter(timestamp) AND ${F}`],
      },
      {
        type: 'timeseries',
        title: 'Semantic failure rate (alerts as annotations)',
        unit: 'percentunit',
        w: 24,
        sql: [
          `SELECT ${BUCKET} AS time, concat(provider, ' ', route) AS series, sum(failed) / nullIf(sum(scored), 0) AS semantic_failure_rate
FROM call_verdicts_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time, series ORDER BY time`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Alerted value vs baseline',
        description: 'The window value and baseline each state change was decided on.',
        w: 24,
        defaults: { custom: { drawStyle: 'points', pointSize: 8 } },
        sql: [
          `SELECT timestamp AS time, concat(rule, ' ', provider, ' ', route, ' ', evaluator) AS series, value, baseline
FROM alerts WHERE $__timeFilter(timestamp) AND ${F} ORDER BY time`,
        ],
      },
      {
        type: 'table',
        title: 'Alert history',
        w: 24,
        h: 10,
        overrides: [PROVIDER_ROUTE_LINK],
        sql: [
          `SELECT timestamp AS time, state, severity, rule, metric, service, provider, model, route, evaluator,
  value, baseline, p_value, sample_size, baseline_size, summary, fingerprint
FROM alerts WHERE $__timeFilter(timestamp) AND ${F}
ORDER BY time DESC LIMIT 500`,
        ],
      },
      {
        type: 'table',
        title: 'Notification deliveries',
        w: 24,
        h: 8,
        sql: [
          `SELECT timestamp AS time, channel, channel_type, state, attempt, outcome, http_status, error, fingerprint
FROM alert_deliveries WHERE $__timeFilter(timestamp)
ORDER BY time DESC LIMIT 500`,
        ],
      },
    ],
  );
}
