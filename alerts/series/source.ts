import type { ClickHouseClient } from '@clickhouse/client';
import type { RuleConfig } from '../config.ts';
import { readContext, type AlertContext } from './context.ts';
import { readSeries } from './series.ts';
import type { SeriesLabels, SeriesSnapshot } from '../types.ts';

/** Where the alerter reads series from: ClickHouse in production, in-memory data in tests and benches. */
export interface SeriesSource {
  read(rule: RuleConfig, now: number): Promise<SeriesSnapshot[]>;
  /** Examples and likely-cause data for a series that starts firing. */
  context(rule: RuleConfig, labels: SeriesLabels, now: number): Promise<AlertContext | undefined>;
}

export function createClickhouseSource(client: ClickHouseClient, database: string): SeriesSource {
  return {
    read: (rule, now) => readSeries(client, database, rule, now),
    // Judge drift has no example calls: its evidence is the golden set's calibration rows.
    context: async (rule, labels, now) =>
      rule.metric === 'judge_kappa' ? undefined : readContext(client, database, rule, labels, now),
  };
}
