import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';

/**
 * How a writer turns rows into insert bytes and back (the way back is for replaying spooled
 * batches, whose rows the writer's hooks need again): {@link jsonEachRow} here, `rowBinary` in
 * row-binary.ts.
 */
export interface RowFormat<T> {
  /** ClickHouse input format name, recorded with every spooled batch. */
  name: 'JSONEachRow' | 'RowBinary';
  /** Explicit column list for the INSERT (RowBinary carries no names). */
  columns?: readonly string[];
  /**
   * The same format for a payload written with fewer of these columns (a batch spooled by an
   * earlier version): the INSERT names only those, and decoded rows get the others' defaults.
   */
  withColumns?(columns: readonly string[]): RowFormat<T>;
  /** The columns of payloads spooled before spool files recorded them (RowBinary only). */
  unrecordedColumns?: readonly string[];
  encode(rows: readonly T[]): Buffer;
  decode(payload: Buffer): T[];
}

/** JSONEachRow: one JSON object per line. Self-describing; the default for small tables. */
export const jsonEachRow = <T>(): RowFormat<T> => JSON_EACH_ROW as RowFormat<T>;

const JSON_EACH_ROW: RowFormat<unknown> = {
  name: 'JSONEachRow',
  encode(rows) {
    let out = '';
    for (const r of rows) out += `${JSON.stringify(r)}\n`;
    return Buffer.from(out, 'utf8');
  },
  decode(payload) {
    return payload
      .toString('utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as unknown);
  },
};

/**
 * One idempotent insert: the token makes a retry of the same batch a no-op in the table and
 * (with deduplicate_blocks_in_dependent_materialized_views) in every rollup fed by a
 * materialised view. Synchronous insert, so success means the rows are stored.
 */
export async function insertBatch(
  client: ClickHouseClient,
  table: string,
  format: Pick<RowFormat<unknown>, 'name' | 'columns'>,
  token: string,
  body: Buffer,
  signal: AbortSignal,
): Promise<void> {
  const columns = format.columns ? ` (${format.columns.join(', ')})` : '';
  const res = await client.exec({
    query: `INSERT INTO ${table}${columns} FORMAT ${format.name}`,
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
