import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';

/**
 * One idempotent insert of a JSONEachRow payload: the token makes a retry of the same batch a
 * no-op in the table and (with deduplicate_blocks_in_dependent_materialized_views) in every
 * rollup fed by a materialised view. Synchronous insert, so success means the rows are stored.
 */
export async function insertBatch(
  client: ClickHouseClient,
  table: string,
  token: string,
  body: Buffer,
  signal: AbortSignal,
): Promise<void> {
  const res = await client.exec({
    query: `INSERT INTO ${table} FORMAT JSONEachRow`,
    values: Readable.from([body]),
    abort_signal: signal,
    clickhouse_settings: {
      insert_deduplication_token: token,
      deduplicate_blocks_in_dependent_materialized_views: 1,
      async_insert: 0,
    },
  });
  res.stream.destroy();
}

/** Rows as JSONEachRow bytes (one JSON object per line). */
export function encode(rows: readonly object[]): Buffer {
  let out = '';
  for (const r of rows) out += `${JSON.stringify(r)}\n`;
  return Buffer.from(out, 'utf8');
}

/** JSONEachRow bytes back to rows (for replayed spool batches). */
export function decode<T>(payload: Buffer): T[] {
  return payload
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

/** Rows in a JSONEachRow payload. */
export function countLines(body: Buffer): number {
  let n = 0;
  for (let i = body.indexOf(0x0a); i !== -1; i = body.indexOf(0x0a, i + 1)) n++;
  return n;
}
