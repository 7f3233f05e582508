/** What a migration file is rendered with. */
export interface RenderOptions {
  /** Database holding the tables (`{db}`). */
  database: string;
  /** Days raw rows are kept (`{ttl_days}`). */
  ttlDays: number;
  /** Days rollup rows are kept (`{rollup_ttl_days}`). Default 400. */
  rollupTtlDays?: number;
  /**
   * Cluster name. When set, every CREATE runs `ON CLUSTER`, tables become
   * `Replicated*MergeTree` tables named `<name>_local` behind a `Distributed` table with the
   * public name, and materialised views read and write the local tables (each shard
   * aggregates its own rows).
   */
  cluster?: string;
}

/** Default retention of per-minute rollups, days. */
export const DEFAULT_ROLLUP_TTL_DAYS = 400;

/**
 * Sharding key of each public table in a cluster: a call's rows (and its scores and verdict)
 * live on one shard, keyed by trace; rollups and the rest are pure appends.
 */
const SHARDING_KEYS: Record<string, string> = {
  llm_calls: 'cityHash64(trace_id)',
  llm_scores: 'cityHash64(trace_id)',
  call_verdicts: 'cityHash64(trace_id)',
  // A score's pending and resolved rows must meet on one shard for ReplacingMergeTree to merge them.
  score_inbox: 'cityHash64(trace_id)',
};

/** ZooKeeper/Keeper path of a replicated table; `{shard}`, `{replica}` are server macros. */
const REPLICA_PATH = "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'";

/** Splits a migration file into statements, with placeholders filled for `opts`. */
export function renderMigration(sql: string, opts: RenderOptions): string[] {
  const filled = sql
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n')
    .replaceAll('{db}', opts.database)
    .replaceAll('{ttl_days}', String(opts.ttlDays))
    .replaceAll('{rollup_ttl_days}', String(opts.rollupTtlDays ?? DEFAULT_ROLLUP_TTL_DAYS));
  const statements = filled
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (opts.cluster === undefined) return statements.map((s) => s.replace(/\{engine:([^}]+)\}/g, '$1'));
  const cluster = opts.cluster;
  return statements.flatMap((s) => clusterStatement(s, opts.database, cluster));
}

/** `CREATE DATABASE` for `database`, on every node of `cluster` when one is given. */
export function createDatabaseSql(database: string, cluster?: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${database}${cluster ? ` ON CLUSTER ${cluster}` : ''}`;
}

const CREATE_TABLE = /^CREATE TABLE (IF NOT EXISTS )?(\w+)\.(\w+)\s*/;
const ALTER_TABLE = /^ALTER TABLE (\w+)\.(\w+)\s+/;
const LOCAL_ONLY_ALTER = /^(?:ADD|DROP|MATERIALIZE) INDEX\b/;
/** A sort-key change beside new columns (one ALTER, as ClickHouse requires): the Distributed table has no sort key. */
const SORT_KEY_CLAUSE = /,\s*MODIFY ORDER BY \([^)]*\)\s*$/;
const DROP_VIEW = /^DROP VIEW (IF EXISTS )?(\w+)\.(\w+)$/;
const CREATE_MV = /^CREATE MATERIALIZED VIEW (IF NOT EXISTS )?(\w+)\.(\w+) TO (\w+)\.(\w+)/;

function clusterStatement(s: string, db: string, cluster: string): string[] {
  const table = CREATE_TABLE.exec(s);
  if (table?.[3]) {
    const name = table[3];
    const ifNotExists = table[1] ?? '';
    const body = s
      .slice(table[0].length)
      .replace(
        /\{engine:(\w+)(?:\(([^)]*)\))?\}/g,
        (_m, engine: string, args?: string) =>
          `Replicated${engine}(${REPLICA_PATH}${args ? `, ${args}` : ''})`,
      );
    const key = SHARDING_KEYS[name] ?? 'rand()';
    return [
      `CREATE TABLE ${ifNotExists}${db}.${name}_local ON CLUSTER ${cluster}\n${body}`,
      `CREATE TABLE ${ifNotExists}${db}.${name} ON CLUSTER ${cluster} AS ${db}.${name}_local\n` +
        `ENGINE = Distributed('${cluster}', '${db}', '${name}_local', ${key})`,
    ];
  }
  const alter = ALTER_TABLE.exec(s);
  if (alter?.[2]) {
    // Columns change on the shards' local tables and on the Distributed table over them;
    // indexes and sort keys exist only where the data is.
    const rest = s.slice(alter[0].length);
    if (LOCAL_ONLY_ALTER.test(rest))
      return [`ALTER TABLE ${db}.${alter[2]}_local ON CLUSTER ${cluster} ${rest}`];
    return [
      `ALTER TABLE ${db}.${alter[2]}_local ON CLUSTER ${cluster} ${rest}`,
      `ALTER TABLE ${db}.${alter[2]} ON CLUSTER ${cluster} ${rest.replace(SORT_KEY_CLAUSE, '')}`,
    ];
  }
  const drop = DROP_VIEW.exec(s);
  if (drop?.[3]) return [`DROP VIEW ${drop[1] ?? ''}${db}.${drop[3]} ON CLUSTER ${cluster}`];
  const mv = CREATE_MV.exec(s);
  if (mv?.[3]) {
    const ifNotExists = mv[1] ?? '';
    // Every table of the database is sharded, so the view reads each shard's local rows.
    const rest = s.slice(mv[0].length).replace(new RegExp(`\\b${db}\\.(\\w+)\\b`, 'g'), `${db}.$1_local`);
    return [
      `CREATE MATERIALIZED VIEW ${ifNotExists}${db}.${mv[3]} ON CLUSTER ${cluster} TO ${mv[4]}.${mv[5]}_local${rest}`,
    ];
  }
  return [
    s.replace(/^(CREATE (?:DATABASE|TABLE|VIEW)(?: IF NOT EXISTS)? [\w.]+)/, `$1 ON CLUSTER ${cluster}`),
  ];
}
