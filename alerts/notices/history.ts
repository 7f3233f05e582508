import type { ClickHouseClient } from '@clickhouse/client';
import { counter } from '../../core/metrics.ts';
import type { Logger } from '../../core/logger.ts';
import type { DeliveryAttempt } from '../notifiers/delivery.ts';

/** One row of `assay.alerts`: a state change (pending, firing, reminder, resolved). */
export interface AlertRow {
  timestamp: number;
  fingerprint: string;
  rule: string;
  state: string;
  severity: string;
  metric: string;
  service: string;
  provider: string;
  model: string;
  route: string;
  evaluator: string;
  value: number;
  baseline: number;
  p_value: number;
  sample_size: number;
  baseline_size: number;
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Where the alerter writes its history; buffered, flushed once per tick. */
export interface AlertRecorder {
  transition(row: AlertRow): void;
  delivery(row: DeliveryAttempt): void;
  flush(): Promise<void>;
}

const writeErrors = counter({
  name: 'assay_alert_history_write_errors_total',
  help: 'Failed inserts of alert transitions or delivery attempts into ClickHouse',
  labelNames: ['table'],
});

/**
 * Inserts into `{database}.alerts` and `{database}.alert_deliveries`. A failed insert keeps the
 * rows for the next flush (bounded), so a short ClickHouse outage loses no history; the failure
 * is counted and logged once per flush, not per row.
 */
export function createClickhouseRecorder(
  client: ClickHouseClient,
  database: string,
  logger: Logger,
  maxRows = 10_000,
): AlertRecorder {
  const pending = { alerts: [] as AlertRow[], alert_deliveries: [] as DeliveryAttempt[] };
  const push = <T>(list: T[], row: T) => {
    if (list.length >= maxRows) list.shift();
    list.push(row);
  };
  const write = async (table: 'alerts' | 'alert_deliveries') => {
    const rows: unknown[] = pending[table];
    if (!rows.length) return;
    pending[table] = [];
    try {
      await client.insert({ table: `${database}.${table}`, values: rows, format: 'JSONEachRow' });
    } catch (err) {
      writeErrors.inc({ table });
      logger.warn({ err, table, rows: rows.length }, 'alert history insert failed; kept for the next tick');
      (pending[table] as unknown[]).unshift(...rows.slice(-maxRows));
    }
  };
  return {
    transition: (row) => push(pending.alerts, row),
    delivery: (row) => push(pending.alert_deliveries, row),
    flush: async () => {
      await write('alerts');
      await write('alert_deliveries');
    },
  };
}
