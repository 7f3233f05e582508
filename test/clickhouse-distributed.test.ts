import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeries } from '../alerts/series/series.ts';
import { parseConfig } from '../cli/config.ts';
import type { LlmCall } from '../core/llm-call.ts';
import { silentLogger } from '../core/logger.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { startEmbeddedClickhouse, type EmbeddedClickhouse } from '../storage/embedded/index.ts';
import { llmCallsFormat } from '../storage/llm-calls-format.ts';
import { migrate, readMigrations } from '../storage/migrate.ts';
import { createDatabaseSql, renderMigration } from '../storage/render-migration.ts';
import { BatchWriter } from '../storage/writer.ts';
import { makeCall } from './fixtures/eval-calls.ts';

// The cluster DDL on the real engine, as far as it runs without Keeper: every migration rendered
// for `clickhouse.cluster`, with `ON CLUSTER` (distributed DDL) and the `Replicated*` engines (both
// need Keeper) taken back out, runs on the embedded engine with a one-shard cluster in its config.
// What stays is the cluster's data path: Distributed tables under the public names over
// `<name>_local` tables, materialised views from local table to local rollup, the collector's
// writer inserting through the Distributed table, the alerter's queries reading through the
// Distributed rollups. The same calls, verdicts and scores go into a single-node database; the
// alerter must read the same series from both.

const CLUSTER = 'assay_one';
const SINGLE = 'assay_single';
const DIST = 'assay_dist';
const N = 600;
const dir = mkdtempSync(join(tmpdir(), 'assay-ch-dist-'));
// `tcp_port` names this engine's own address, so the shard's replica (127.0.0.1:9000) is local and
// read in-process; clickhouse-local opens no port.
const configFile = join(dir, 'cluster.xml');
writeFileSync(
  configFile,
  `<clickhouse><tcp_port>9000</tcp_port><remote_servers><${CLUSTER}><shard><replica>` +
    `<host>127.0.0.1</host><port>9000</port></replica></shard></${CLUSTER}></remote_servers></clickhouse>`,
);
const engineArgs = [`--config-file=${configFile}`];
let ch: EmbeddedClickhouse;
let client: ClickHouseClient;

/** The cluster rendering without what needs Keeper: `ON CLUSTER` and the replication path arguments. */
function withoutKeeper(sql: string): string {
  return sql
    .replaceAll(` ON CLUSTER ${CLUSTER}`, '')
    .replace(
      /Replicated(\w+)\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'(?:, )?/g,
      '$1(',
    );
}

beforeAll(async () => {
  ch = await startEmbeddedClickhouse({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    engineArgs,
  });
  client = createClickhouseClient({ ...parseConfig({}).clickhouse, ...ch.admin }, ch.url);
  await migrate(client, { database: SINGLE, ttlDays: 30, logger: silentLogger });
  // DDL that names an engine reaching other servers (Distributed) is refused by the HTTP
  // interface's guard, so it is run as an operator would, on the engine itself.
  const session = new Session(join(dir, 'clickhouse'), { connectionArgs: engineArgs });
  try {
    session.query(withoutKeeper(createDatabaseSql(DIST, CLUSTER)), 'TSV');
    for (const m of readMigrations())
      for (const s of renderMigration(m.sql, { database: DIST, ttlDays: 30, cluster: CLUSTER }))
        session.query(withoutKeeper(s), 'TSV');
  } finally {
    session.close();
  }
}, 120_000);

afterAll(async () => {
  await client?.close();
  await ch?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

async function write(database: string, calls: LlmCall[]): Promise<void> {
  const writer = new BatchWriter<LlmCall>({
    name: `calls-${database}`,
    table: `${database}.llm_calls`,
    format: llmCallsFormat,
    client,
    batchRows: 200,
    flushIntervalMs: 50,
    maxBufferedRows: 10_000,
    spoolDir: join(dir, 'spool', database),
    maxSpoolBytes: 1 << 26,
    logger: silentLogger,
  });
  writer.add(calls);
  await writer.shutdown();
  const verdicts = calls.map((c, i) => ({
    timestamp: c.timestamp,
    trace_id: c.trace_id,
    span_id: c.span_id,
    service: c.service,
    provider: c.provider,
    model: c.model,
    route: c.route,
    status: c.status,
    failed: c.response === '' || i % 11 === 0 ? 1 : 0,
    failed_evaluators: c.response === '' ? ['empty_response'] : [],
    sample_weight: 1,
  }));
  const scores = calls.map((c) => ({
    timestamp: c.timestamp,
    trace_id: c.trace_id,
    span_id: c.span_id,
    service: c.service,
    provider: c.provider,
    model: c.model,
    route: c.route,
    evaluator: 'empty_response',
    evaluator_version: '1',
    kind: 'check',
    score: c.response === '' ? 0 : 1,
    passed: c.response === '' ? 0 : 1,
    confidence: 1,
    outcome: c.response === '' ? 'fail' : 'pass',
    sample_weight: 1,
  }));
  await client.insert({ table: `${database}.call_verdicts`, values: verdicts, format: 'JSONEachRow' });
  await client.insert({ table: `${database}.llm_scores`, values: scores, format: 'JSONEachRow' });
}

const count = async (sql: string): Promise<number> =>
  Number((await (await client.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n);

describe('the cluster DDL on the embedded engine (one shard, no Keeper)', () => {
  it('creates Distributed tables over local ones, and the pipeline reads what it writes through them', async () => {
    const engines = await (
      await client.query({
        query: `SELECT name, engine FROM system.tables WHERE database = {db:String} AND name IN ('llm_calls', 'llm_calls_local', 'llm_calls_1m', 'llm_calls_1m_local')`,
        query_params: { db: DIST },
        format: 'JSONEachRow',
      })
    ).json<{ name: string; engine: string }>();
    expect(Object.fromEntries(engines.map((e) => [e.name, e.engine]))).toEqual({
      llm_calls: 'Distributed',
      llm_calls_local: 'MergeTree',
      llm_calls_1m: 'Distributed',
      llm_calls_1m_local: 'AggregatingMergeTree',
    });

    const now = Date.now();
    // Half an hour of calls, every fifth an error, some empty answers (the fixture's mix).
    const calls = Array.from({ length: N }, (_, i) => ({
      ...makeCall(i, 'dist', now - 60_000 - Math.floor((i * 29 * 60_000) / N)),
      status: i % 5 === 0 ? ('error' as const) : ('ok' as const),
      duration_ms: 200 + ((i * 37) % 1000),
    }));
    await write(SINGLE, calls);
    await write(DIST, calls);

    // The writer's inserts went through the Distributed table into the shard's local table, and
    // the materialised views filled the local rollups.
    expect(await count(`SELECT count() AS n FROM ${DIST}.llm_calls_local`)).toBe(N);
    expect(await count(`SELECT count() AS n FROM ${DIST}.llm_calls`)).toBe(N);
    expect(await count(`SELECT sum(calls) AS n FROM ${DIST}.llm_calls_1m_local`)).toBe(N);
    // Verdicts of answered calls count as scored (errors are the error rate's).
    expect(await count(`SELECT sum(scored) AS n FROM ${DIST}.call_verdicts_1m`)).toBe(
      calls.filter((c) => c.status === 'ok').length,
    );

    const rules = parseConfig({
      alerts: {
        rules: [
          { name: 'semantic', metric: 'semantic_failure_rate', window: '15m', baseline: '3h' },
          { name: 'errors', kind: 'threshold', metric: 'error_rate', threshold: { op: '>', value: 0.1 } },
          { name: 'latency', kind: 'threshold', metric: 'latency_p95', threshold: { op: '>', value: 900 } },
          { name: 'empty', metric: 'pass_rate', evaluator: 'empty_response', by: ['route'] },
        ],
      },
    }).alerts.rules;
    for (const rule of rules) {
      const single = await readSeries(client, SINGLE, rule, now);
      const dist = await readSeries(client, DIST, rule, now);
      expect(single.length, rule.name).toBeGreaterThan(0);
      expect(dist, rule.name).toEqual(single);
    }
  });
});
