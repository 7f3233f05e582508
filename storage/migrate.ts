import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../core/logger.ts';
import { createDatabaseSql, renderMigration } from './render-migration.ts';

export interface MigrateOptions {
  /** Database to create and fill. */
  database: string;
  /** Days raw rows are kept (TTL of llm_calls, llm_scores, call_verdicts). */
  ttlDays: number;
  /** Days rollup rows are kept. Default 400. */
  rollupTtlDays?: number;
  /** Cluster name: ON CLUSTER, Replicated and Distributed DDL (see render-migration.ts). */
  cluster?: string;
  logger: Logger;
  /** Folder of `NNNN_name.sql` files. Default: storage/migrations next to this file. */
  dir?: string;
}

/** One migration file. */
export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  /** sha256 of the file text: an applied migration must never change. */
  checksum: string;
}

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Reads the migration files of `dir`, ordered by version. */
export function readMigrations(dir: string = MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir)
    .map((file) => ({ file, m: FILE_NAME.exec(file) }))
    .filter((f): f is { file: string; m: RegExpExecArray } => f.m !== null)
    .map(({ file, m }) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(m[1]),
        name: m[2] ?? file,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
}

/**
 * Creates the database and applies the migrations not yet recorded in
 * `<db>.schema_migrations`, in order, statement by statement. Re-running applies nothing.
 * Refuses to run when an applied migration's file changed: the fix is a new migration.
 */
export async function migrate(
  client: ClickHouseClient,
  opts: MigrateOptions,
): Promise<{ applied: string[] }> {
  const db = opts.database;
  const onCluster = opts.cluster ? ` ON CLUSTER ${opts.cluster}` : '';
  await command(client, createDatabaseSql(db, opts.cluster));
  // One table for the whole cluster (no {shard} in its path): every node sees the same history.
  const engine = opts.cluster
    ? `ReplicatedMergeTree('/clickhouse/tables/{database}/schema_migrations', '{replica}')`
    : 'MergeTree';
  await command(
    client,
    `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations${onCluster}
     (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC'))
     ENGINE = ${engine} ORDER BY version`,
  );
  const done = await appliedMigrations(client, db);
  const applied: string[] = [];
  for (const m of readMigrations(opts.dir)) {
    const label = `${String(m.version).padStart(4, '0')}_${m.name}`;
    const previous = done.get(m.version);
    if (previous !== undefined) {
      if (previous !== m.checksum)
        throw new Error(
          `migration ${label}.sql was changed after it was applied to ${db} (checksum ${previous.slice(0, 12)} ≠ ${m.checksum.slice(0, 12)}); ` +
            'restore the file and put the change in a new migration',
        );
      continue;
    }
    for (const statement of renderMigration(m.sql, opts)) await command(client, statement);
    await client.insert({
      table: `${db}.schema_migrations`,
      values: [{ version: m.version, name: m.name, checksum: m.checksum, applied_at: Date.now() }],
      format: 'JSONEachRow',
    });
    opts.logger.info({ migration: label, database: db }, 'migration applied');
    applied.push(label);
  }
  return { applied };
}

async function appliedMigrations(client: ClickHouseClient, db: string): Promise<Map<number, string>> {
  const rs = await client.query({
    query: `SELECT version, any(checksum) AS checksum FROM ${db}.schema_migrations GROUP BY version`,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ version: number; checksum: string }>();
  return new Map(rows.map((r) => [Number(r.version), r.checksum]));
}

async function command(client: ClickHouseClient, query: string): Promise<void> {
  await client.command({ query, clickhouse_settings: { wait_end_of_query: 1 } });
}
