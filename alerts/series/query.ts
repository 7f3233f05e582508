import type { ClickHouseClient } from '@clickhouse/client';

/** One row of a series query, as JSONEachRow returns it. */
export type Row = Record<string, string | number>;

/** ClickHouse `DateTime` text in UTC for a bound parameter. */
export function chTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

export async function queryRows(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown>,
): Promise<Row[]> {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<Row>();
}

/** UInt64 arrives as a JSON string; NaN (empty quantile state) as null. */
export function num(v: unknown): number {
  if (v === null || v === undefined) return NaN;
  return typeof v === 'number' ? v : Number(v);
}
