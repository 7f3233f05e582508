import { describe, expect, it } from 'vitest';
import { readMigrations } from './migrate.ts';
import { createDatabaseSql, renderMigration } from './render-migration.ts';

const calls = readMigrations().find((m) => m.name === 'llm_calls');
if (!calls) throw new Error('0001_llm_calls.sql missing');

describe('renderMigration without a cluster', () => {
  const statements = renderMigration(calls.sql, { database: 'obs', ttlDays: 7 });

  it('fills every placeholder and keeps plain engines', () => {
    const text = statements.join('\n');
    expect(text).not.toMatch(/\{(db|ttl_days|rollup_ttl_days|engine:[^}]*)\}/);
    expect(text).toContain('CREATE TABLE IF NOT EXISTS obs.llm_calls\n');
    expect(text).toContain('ENGINE = MergeTree\n');
    expect(text).toContain('ENGINE = AggregatingMergeTree\n');
    expect(text).toContain('INTERVAL 7 DAY');
    expect(text).toContain('INTERVAL 400 DAY');
    expect(text).not.toContain('ON CLUSTER');
    expect(text).not.toContain('Replicated');
  });

  it('splits into statements without comments', () => {
    expect(statements).toHaveLength(3);
    expect(statements[2]).toMatch(
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS obs\.llm_calls_1m_mv TO obs\.llm_calls_1m AS/,
    );
    for (const s of statements) expect(s).not.toMatch(/^--/m);
  });

  it('honours a rollup TTL', () => {
    const text = renderMigration(calls.sql, { database: 'obs', ttlDays: 7, rollupTtlDays: 90 }).join('\n');
    expect(text).toContain('minute + INTERVAL 90 DAY');
  });
});

describe('renderMigration with a cluster', () => {
  const statements = renderMigration(calls.sql, { database: 'obs', ttlDays: 30, cluster: 'prod' });

  it('creates replicated local tables and distributed tables under the public names', () => {
    expect(statements).toHaveLength(5);
    const [local, dist, rollupLocal, rollupDist] = statements;
    expect(local).toMatch(/^CREATE TABLE IF NOT EXISTS obs\.llm_calls_local ON CLUSTER prod\n\(/);
    expect(local).toContain(
      "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
    );
    expect(dist).toBe(
      'CREATE TABLE IF NOT EXISTS obs.llm_calls ON CLUSTER prod AS obs.llm_calls_local\n' +
        "ENGINE = Distributed('prod', 'obs', 'llm_calls_local', cityHash64(trace_id))",
    );
    expect(rollupLocal).toContain(
      "ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
    );
    expect(rollupDist).toContain("Distributed('prod', 'obs', 'llm_calls_1m_local', rand())");
  });

  it('points materialised views from local table to local rollup', () => {
    const mv = statements[4] ?? '';
    expect(mv).toMatch(
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS obs\.llm_calls_1m_mv ON CLUSTER prod TO obs\.llm_calls_1m_local AS/,
    );
    expect(mv).toContain('FROM obs.llm_calls_local AS c');
    expect(mv).not.toMatch(/obs\.llm_calls\b(?!_)/);
  });

  it('shards scores and verdicts by trace, everything else randomly', () => {
    const all = readMigrations().flatMap((m) =>
      renderMigration(m.sql, { database: 'obs', ttlDays: 30, cluster: 'prod' }),
    );
    const distributed = all.filter((s) => s.includes('ENGINE = Distributed'));
    const keyOf = (t: string) =>
      distributed.find((s) => s.includes(`'${t}_local'`))?.match(/, ([^,]+)\)$/)?.[1];
    expect(keyOf('llm_scores')).toBe('cityHash64(trace_id)');
    expect(keyOf('call_verdicts')).toBe('cityHash64(trace_id)');
    expect(keyOf('llm_scores_1m')).toBe('rand()');
    expect(keyOf('alerts')).toBe('rand()');
    for (const s of all) expect(s).toContain('ON CLUSTER prod');
  });

  it('alters columns on the local and the Distributed tables, and replaces views on the cluster', () => {
    const m = readMigrations().find((x) => x.name.includes('verdict_confidence'));
    const out = renderMigration(m!.sql, { database: 'obs', ttlDays: 30, cluster: 'prod' });
    expect(out.filter((s) => s.startsWith('ALTER TABLE obs.llm_scores_local ON CLUSTER prod'))).toHaveLength(
      1,
    );
    expect(out.filter((s) => s.startsWith('ALTER TABLE obs.llm_scores ON CLUSTER prod'))).toHaveLength(1);
    expect(out).toContain('DROP VIEW IF EXISTS obs.llm_scores_1m_mv ON CLUSTER prod');
    const mv = out.find((s) => s.startsWith('CREATE MATERIALIZED VIEW IF NOT EXISTS obs.llm_scores_1m_mv'));
    expect(mv).toContain('FROM obs.llm_scores_local AS s');
  });

  it('creates the database on the cluster', () => {
    expect(createDatabaseSql('obs', 'prod')).toBe('CREATE DATABASE IF NOT EXISTS obs ON CLUSTER prod');
    expect(createDatabaseSql('obs')).toBe('CREATE DATABASE IF NOT EXISTS obs');
  });
});

describe('renderMigration of index and sort-key changes on a cluster', () => {
  const m = readMigrations().find((x) => x.name === 'response_id');
  if (!m) throw new Error('0012_response_id.sql missing');
  const statements = renderMigration(m.sql, { database: 'obs', ttlDays: 30, cluster: 'prod' });

  it('adds columns to both tables, an index only where the data is', () => {
    expect(statements).toEqual([
      expect.stringMatching(
        /^ALTER TABLE obs\.llm_calls_local ON CLUSTER prod ADD COLUMN IF NOT EXISTS response_id/,
      ),
      expect.stringMatching(
        /^ALTER TABLE obs\.llm_calls ON CLUSTER prod ADD COLUMN IF NOT EXISTS response_id/,
      ),
      expect.stringMatching(
        /^ALTER TABLE obs\.llm_calls_local ON CLUSTER prod ADD INDEX IF NOT EXISTS idx_response_id/,
      ),
      expect.stringMatching(
        /^ALTER TABLE obs\.score_inbox_local ON CLUSTER prod ADD COLUMN .*MODIFY ORDER BY \(.*response_id\)$/s,
      ),
      expect.stringMatching(
        /^ALTER TABLE obs\.score_inbox ON CLUSTER prod ADD COLUMN IF NOT EXISTS response_id String CODEC\(ZSTD\(1\)\)$/,
      ),
    ]);
  });
});
