import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ClickHouseError, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { clickhouseConfigSchema } from '../storage/config.ts';
import { startEmbeddedClickhouse, type EmbeddedClickhouse } from '../storage/embedded/index.ts';
import { migrate, readMigrations } from '../storage/migrate.ts';

// @clickhouse/client and plain HTTP (what curl sends) against the embedded server: a real chdb
// engine on a fresh data directory, reached only over the ClickHouse HTTP interface.

const dir = mkdtempSync(join(tmpdir(), 'assay-embedded-ch-'));
let server: EmbeddedClickhouse;
let client: ClickHouseClient;

beforeAll(async () => {
  server = await startEmbeddedClickhouse({ dataDir: dir, host: '127.0.0.1', port: 0, logger: silentLogger });
  client = createClickhouseClient(clickhouseConfigSchema.parse(server.admin), server.url);
  await client.command({ query: 'CREATE DATABASE IF NOT EXISTS t1' });
  await client.command({
    query: `CREATE TABLE t1.events (id UInt64, name String, at DateTime64(3, 'UTC'), tags Array(String))
            ENGINE = MergeTree ORDER BY id`,
  });
});

afterAll(async () => {
  await client?.close();
  await server?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

/** Plain HTTP as curl sends it, with `-u default:<password>` (HTTP basic auth). */
const http = (path: string, init?: RequestInit, user = server.admin) =>
  fetch(`${server.url}${path}`, {
    ...init,
    headers: {
      authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
      ...(init?.headers as Record<string, string> | undefined),
    },
  });

async function errorOf(p: Promise<unknown>): Promise<ClickHouseError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ClickHouseError) return err;
    throw err;
  }
  throw new Error('expected a ClickHouseError');
}

describe('embedded ClickHouse over HTTP with @clickhouse/client', () => {
  it('answers ping and reports the port it bound', async () => {
    expect(await client.ping()).toEqual({ success: true });
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('inserts objects and reads them back as JSONEachRow, JSON and CSV', async () => {
    await client.insert({
      table: 't1.events',
      values: [
        { id: 1, name: 'alpha', at: 1_700_000_000_123, tags: ['a', 'b'] },
        { id: 2, name: "it's\t\\odd", at: '2024-01-02 03:04:05.678', tags: ["q'uote"] },
      ],
      format: 'JSONEachRow',
    });
    const rows = await (
      await client.query({ query: 'SELECT id, name FROM t1.events ORDER BY id', format: 'JSONEachRow' })
    ).json();
    expect(rows).toEqual([
      { id: 1, name: 'alpha' },
      { id: 2, name: "it's\t\\odd" },
    ]);
    const json = await (
      await client.query({ query: 'SELECT count() AS n FROM t1.events', format: 'JSON' })
    ).json<{ n: string }>();
    expect(json.data).toEqual([{ n: 2 }]);
    expect(json.meta).toEqual([{ name: 'n', type: 'UInt64' }]);
    const csv = await (
      await client.query({ query: 'SELECT id, name FROM t1.events WHERE id = 1', format: 'CSV' })
    ).text();
    expect(csv).toBe('1,"alpha"\n');
  });

  it('binds String, UInt64, DateTime64 and Array(String) parameters, quotes and escapes included', async () => {
    const rs = await client.query({
      query: `SELECT {s:String} AS s, {u:UInt64} AS u, {d:DateTime64(3, 'UTC')} AS d, {a:Array(String)} AS a,
                     (SELECT count() FROM t1.events WHERE name = {s:String} AND has(tags, {tag:String})) AS matched`,
      query_params: {
        s: "it's\t\\odd",
        u: '18446744073709551615',
        d: new Date(1_700_000_000_123),
        a: ["o'ne", 'tw\\o'],
        tag: "q'uote",
      },
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    });
    expect(await rs.json()).toEqual([
      {
        s: "it's\t\\odd",
        u: '18446744073709551615',
        d: '2023-11-14 22:13:20.123',
        a: ["o'ne", 'tw\\o'],
        matched: '1',
      },
    ]);
  });

  it('raises ClickHouseError with the server code for unknown tables and syntax errors', async () => {
    const unknown = await errorOf(client.query({ query: 'SELECT * FROM t1.nope' }));
    expect(Number(unknown.code)).toBe(60);
    expect(unknown.type).toBe('UNKNOWN_TABLE');
    const syntax = await errorOf(client.command({ query: 'SELEC 1' }));
    expect(Number(syntax.code)).toBe(62);
    const badRow = await errorOf(
      client.insert({ table: 't1.events', values: [{ id: 'x' }], format: 'JSONEachRow' }),
    );
    expect(Number(badRow.code)).toBe(27);
  });

  it('applies URL settings to that query only', async () => {
    const withSetting = await client.query({
      query: "SELECT toDateTime('2024-01-02 03:04:05', 'UTC') AS t",
      format: 'JSONEachRow',
      clickhouse_settings: { date_time_output_format: 'iso' },
    });
    expect(await withSetting.json()).toEqual([{ t: '2024-01-02T03:04:05Z' }]);
    const without = await client.query({
      query: "SELECT toDateTime('2024-01-02 03:04:05', 'UTC') AS t",
      format: 'JSONEachRow',
    });
    expect(await without.json()).toEqual([{ t: '2024-01-02 03:04:05' }]);
    // ClickHouse 26.x does not quote 64-bit integers in JSON by default; clients may ask for it.
    const query = 'SELECT toUInt64(5) AS n';
    const quoted = await client.query({
      query,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    });
    expect(await quoted.json()).toEqual([{ n: '5' }]);
    expect(await (await client.query({ query, format: 'JSONEachRow' })).json()).toEqual([{ n: 5 }]);
  });

  it('runs concurrent queries, bound and not, each with its own result', async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const rs = await client.query({
          query: i % 2 ? 'SELECT {v:UInt32} * 2 AS v' : `SELECT ${i} * 2 AS v FROM numbers(1)`,
          query_params: i % 2 ? { v: i } : undefined,
          format: 'JSONEachRow',
        });
        return (await rs.json<{ v: number }>())[0]?.v;
      }),
    );
    expect(results).toEqual(Array.from({ length: 24 }, (_, i) => i * 2));
  });

  it('takes concurrent inserts into one table without losing rows', async () => {
    await client.command({
      query: 'CREATE TABLE t1.parallel (k UInt32, v String) ENGINE = MergeTree ORDER BY k',
    });
    await Promise.all(
      Array.from({ length: 12 }, (_, b) =>
        client.insert({
          table: 't1.parallel',
          values: Array.from({ length: 500 }, (_, i) => ({ k: b * 500 + i, v: `r${i}` })),
          format: 'JSONEachRow',
        }),
      ),
    );
    const rs = await client.query({
      query: 'SELECT count() AS n, uniqExact(k) AS u FROM t1.parallel',
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ n: 6000, u: 6000 }]);
  });
});

describe('embedded ClickHouse over plain HTTP (curl)', () => {
  it('serves GET /?query= read-only and Ok. on /', async () => {
    const res = await http('/?query=SELECT%201');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/tab-separated-values; charset=UTF-8');
    expect(res.headers.get('x-clickhouse-format')).toBe('TabSeparated');
    expect(await res.text()).toBe('1\n');
    expect(await (await http('/')).text()).toBe('Ok.\n');
    const write = await http(`/?query=${encodeURIComponent('DROP TABLE t1.events')}`);
    expect(write.status).toBe(403);
    expect(write.headers.get('x-clickhouse-exception-code')).toBe('164');
  });

  it('takes an INSERT with inline data in a POST body, gzip too, and reports written rows', async () => {
    const res = await http('/', {
      method: 'POST',
      body: 'INSERT INTO t1.events FORMAT JSONEachRow\n{"id":10,"name":"curl","at":0,"tags":[]}\n',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.headers.get('x-clickhouse-summary') ?? '{}')).toMatchObject({ written_rows: '1' });
    const gz = await http(`/?query=${encodeURIComponent('INSERT INTO t1.events (id, name) FORMAT CSV')}`, {
      method: 'POST',
      headers: { 'Content-Encoding': 'gzip' },
      body: gzipSync('11,"gz"\n12,"gz"\n'),
    });
    expect(gz.status).toBe(200);
    const count = await http('/', {
      method: 'POST',
      body: "SELECT count() FROM t1.events WHERE name IN ('curl', 'gz') FORMAT JSONCompact",
    });
    expect(count.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(await count.json()).toMatchObject({ data: [[3]] });
  });

  it('keeps every row when the data holds blank lines: between JSON rows, inside CSV quotes, inside RowBinary strings', async () => {
    const insert = (query: string, body: Buffer | string) =>
      http(`/?query=${encodeURIComponent(query)}`, { method: 'POST', body });
    const json = await insert(
      'INSERT INTO t1.events (id, name) FORMAT JSONEachRow',
      '{"id":20,"name":"blank"}\n\n{"id":21,"name":"blank"}\n',
    );
    expect(json.status).toBe(200);
    const csv = await insert(
      'INSERT INTO t1.events (id, name) FORMAT CSV',
      '22,"two\n\nparagraphs"\n23,"blank"\n',
    );
    expect(csv.status).toBe(200);
    // RowBinary: UInt64 id, then a String whose bytes include a blank line (and 0x0a in the id).
    const text = Buffer.from('first\n\nsecond', 'utf8');
    const row = Buffer.concat([Buffer.from([10, 10, 0, 0, 0, 0, 0, 0]), Buffer.from([text.length]), text]);
    const bin = await insert('INSERT INTO t1.events (id, name) FORMAT RowBinary', row);
    expect(bin.status).toBe(200);
    expect(JSON.parse(bin.headers.get('x-clickhouse-summary') ?? '{}')).toMatchObject({ written_rows: '1' });
    const rows = await (
      await client.query({
        query: 'SELECT id, name FROM t1.events WHERE id BETWEEN 20 AND 23 OR id = 2570 ORDER BY id',
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      })
    ).json();
    expect(rows).toEqual([
      { id: 20, name: 'blank' },
      { id: 21, name: 'blank' },
      { id: 22, name: 'two\n\nparagraphs' },
      { id: 23, name: 'blank' },
      { id: 2570, name: 'first\n\nsecond' },
    ]);
  });

  it('uses default_format and database from the URL, and answers errors like ClickHouse', async () => {
    const res = await http('/?default_format=JSONEachRow&database=t1', {
      method: 'POST',
      body: 'SELECT count() AS n FROM events WHERE id = 1',
    });
    expect(await res.text()).toBe('{"n":1}\n');
    const bad = await http('/', { method: 'POST', body: 'SELECT * FROM t1.missing' });
    expect(bad.status).toBe(404);
    expect(bad.headers.get('x-clickhouse-exception-code')).toBe('60');
    expect(await bad.text()).toMatch(
      /^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\) \(version 26\.\d+\.\d+\.\d+\)\n$/s,
    );
  });
});

describe('migrations against the embedded server', () => {
  it('creates the schema once; a re-run applies nothing', async () => {
    const first = await migrate(client, { database: 'mig', ttlDays: 30, logger: silentLogger });
    expect(first.applied).toEqual(
      readMigrations().map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`),
    );
    const tables = await (
      await client.query({
        query: "SELECT name FROM system.tables WHERE database = 'mig' ORDER BY name",
        format: 'JSONEachRow',
      })
    ).json<{ name: string }>();
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'llm_calls',
        'llm_calls_1m',
        'llm_calls_1m_mv',
        'llm_scores',
        'call_verdicts_1m',
        'alerts',
        'pipeline_metrics',
        'schema_migrations',
      ]),
    );
    expect(await migrate(client, { database: 'mig', ttlDays: 30, logger: silentLogger })).toEqual({
      applied: [],
    });
  });

  it('refuses to run when an applied migration file changed', async () => {
    const migrations = mkdtempSync(join(tmpdir(), 'assay-migrations-'));
    cpSync(join(import.meta.dirname, '..', 'storage', 'migrations'), migrations, { recursive: true });
    await migrate(client, { database: 'mig2', ttlDays: 30, logger: silentLogger, dir: migrations });
    const file = join(migrations, '0003_alerts.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- edited\n`);
    await expect(
      migrate(client, { database: 'mig2', ttlDays: 30, logger: silentLogger, dir: migrations }),
    ).rejects.toThrow(/0003_alerts\.sql was changed after it was applied/);
  });
});
