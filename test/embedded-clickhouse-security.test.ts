import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { ALL, expandMacros } from './support/grafana-macros.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { clickhouseConfigSchema } from '../storage/config.ts';
import {
  startEmbeddedClickhouse,
  type Credentials,
  type EmbeddedClickhouse,
} from '../storage/embedded/index.ts';
import { migrate } from '../storage/migrate.ts';

// The embedded server as someone else on the machine (or a web page in its browser) meets it:
// credentials required, the read-only user, the SQL that must be refused, body caps.

const dir = mkdtempSync(join(tmpdir(), 'assay-embedded-sec-'));
const probe = mkdtempSync(join(tmpdir(), 'assay-embedded-probe-'));
let server: EmbeddedClickhouse;

beforeAll(async () => {
  server = await startEmbeddedClickhouse({ dataDir: dir, host: '127.0.0.1', port: 0, logger: silentLogger });
  const client = createClickhouseClient(clickhouseConfigSchema.parse(server.admin), server.url);
  await migrate(client, { database: 'assay', ttlDays: 30, logger: silentLogger });
  await client.close();
});

afterAll(async () => {
  await server?.shutdown();
  rmSync(dir, { recursive: true, force: true });
  rmSync(probe, { recursive: true, force: true });
});

const basic = (c: Credentials) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

function sql(query: string, user: Credentials | null = server.admin, init: RequestInit = {}) {
  return fetch(`${server.url}/`, {
    method: 'POST',
    body: query,
    ...init,
    headers: { ...(user ? { authorization: basic(user) } : {}), ...(init.headers as Record<string, string>) },
  });
}

async function refused(res: Response, status: number, code: number): Promise<string> {
  const text = await res.text();
  expect({ status: res.status, code: res.headers.get('x-clickhouse-exception-code') }).toEqual({
    status,
    code: String(code),
  });
  return text;
}

describe('authentication', () => {
  it('generates passwords into data_dir with mode 0600 and a restart keeps them', async () => {
    for (const [file, user] of [
      ['clickhouse.password', server.admin],
      ['clickhouse-reader.password', server.reader],
    ] as const) {
      const path = join(dir, file);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readFileSync(path, 'utf8').trim()).toBe(user.password);
      expect(user.password.length).toBeGreaterThanOrEqual(32);
    }
    expect(server.admin.username).toBe('default');
    expect(server.reader.username).toBe('reader');
  });

  it('refuses missing and wrong credentials with 516 and keeps serving', async () => {
    const none = await refused(await sql('SELECT 1', null), 401, 516);
    expect(none).toMatch(/^Code: 516\. DB::Exception: default: Authentication failed/);
    await refused(await sql('SELECT 1', { username: 'default', password: 'wrong' }), 403, 516);
    await refused(await sql('SELECT 1', { username: 'nobody', password: server.admin.password }), 403, 516);
    await refused(await fetch(`${server.url}/?query=SELECT%201`), 401, 516);
    expect(await (await sql('SELECT 1')).text()).toBe('1\n');
  });

  it('takes X-ClickHouse-User/Key headers, basic auth and user/password URL parameters', async () => {
    const { username, password } = server.admin;
    const viaHeaders = await fetch(`${server.url}/?query=SELECT%202`, {
      headers: { 'X-ClickHouse-User': username, 'X-ClickHouse-Key': password },
    });
    expect(await viaHeaders.text()).toBe('2\n');
    const viaUrl = await fetch(
      `${server.url}/?user=${username}&password=${encodeURIComponent(password)}&query=SELECT%203`,
    );
    expect(await viaUrl.text()).toBe('3\n');
    expect(await (await sql('SELECT 4')).text()).toBe('4\n');
  });

  it('answers /ping and / without credentials, as ClickHouse does', async () => {
    expect(await (await fetch(`${server.url}/ping`)).text()).toBe('Ok.\n');
    expect(await (await fetch(`${server.url}/`)).text()).toBe('Ok.\n');
  });

  it('works with curl as the README shows it', async () => {
    const { stdout } = await promisify(execFile)('curl', [
      '-sS',
      '-u',
      `default:${readFileSync(join(dir, 'clickhouse.password'), 'utf8').trim()}`,
      `${server.url}/?default_format=JSONEachRow`,
      '--data-binary',
      "SELECT count() AS n FROM assay.llm_calls WHERE prompt NOT LIKE '%file(%'",
    ]);
    expect(stdout).toBe('{"n":0}\n');
  });
});

describe('SQL that is refused for everyone', () => {
  const secret = join(probe, 'secret.txt');
  it.each([
    `SELECT * FROM file('/etc/passwd', 'LineAsString')`,
    `SELECT file('/etc/passwd')`,
    `SELECT * FROM url('http://127.0.0.1:1/', 'LineAsString')`,
    `SELECT * FROM remote('127.0.0.1', system.one)`,
    `SELECT * FROM s3('http://127.0.0.1:1/x', 'CSV')`,
    `INSERT INTO FUNCTION file('${secret}', 'CSV') SELECT 1`,
    `SELECT 1 INTO OUTFILE '${secret}'`,
    `INSERT INTO assay.alerts FROM INFILE '/etc/passwd' FORMAT CSV`,
    `CREATE TABLE assay.f (a String) ENGINE = File(CSV, '${secret}')`,
    `SELECT 1 FORMAT Template SETTINGS format_template_resultset = '/etc/passwd'`,
  ])('%s → 403 ACCESS_DENIED', async (query) => {
    const text = await refused(await sql(query), 403, 497);
    expect(text).toMatch(/not allowed on the embedded ClickHouse server/);
    expect(existsSync(secret)).toBe(false);
  });

  it('refuses a second statement on POST and on GET, and runs neither', async () => {
    for (const res of [
      await sql('SELECT 1; DROP TABLE assay.alerts'),
      await fetch(`${server.url}/?query=${encodeURIComponent('SELECT 1; DROP TABLE assay.alerts')}`, {
        headers: { authorization: basic(server.admin) },
      }),
    ])
      expect(await refused(res, 400, 62)).toMatch(/Multi-statements are not allowed/);
    expect(await (await sql('EXISTS TABLE assay.alerts')).text()).toBe('1\n');
  });

  it('keeps data that merely contains the words: literals, comments, insert payloads', async () => {
    const res = await sql("SELECT 'file(''/etc/passwd'')' AS s, 'INTO OUTFILE' AS t -- url(x)\nFORMAT CSV");
    expect(await res.text()).toBe(`"file('/etc/passwd')","INTO OUTFILE"\n`);
    const insert = await fetch(
      `${server.url}/?query=${encodeURIComponent('INSERT INTO assay.alerts (fingerprint, summary) FORMAT JSONEachRow')}`,
      {
        method: 'POST',
        headers: { authorization: basic(server.admin) },
        body: '{"fingerprint":"f1","summary":"SELECT * FROM file(\'/etc/passwd\'); DROP TABLE x"}\n',
      },
    );
    expect(insert.status).toBe(200);
  });

  it('refuses a blank line in inline data from becoming a second statement', async () => {
    const res = await sql(
      `INSERT INTO assay.alerts (fingerprint) FORMAT JSONStringsEachRow\n{"fingerprint":"f2"}\n\nINSERT INTO FUNCTION file('${secret}', 'CSV') SELECT 1\n`,
    );
    expect(res.status).not.toBe(200);
    expect(existsSync(secret)).toBe(false);
  });

  it('refuses requests sent by web pages', async () => {
    const page = await sql('SELECT 1', server.admin, { headers: { origin: 'http://evil.example' } });
    expect(await refused(page, 403, 497)).toMatch(/clickhouse\.embedded\.allowed_origins/);
    await refused(
      await sql('SELECT 1', server.admin, { headers: { 'sec-fetch-site': 'cross-site' } }),
      403,
      497,
    );
    expect((await sql('SELECT 1')).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the read-only user', () => {
  it('reads Assay tables and the system tables the Grafana plugin lists', async () => {
    const rows = await sql(
      'SELECT count() FROM assay.llm_calls_1m WHERE minute > now() - INTERVAL 1 HOUR FORMAT CSV',
      server.reader,
    );
    expect(await rows.text()).toBe('0\n');
    const tables = await sql(
      "SELECT name FROM system.tables WHERE database = 'assay' AND name = 'alerts'",
      server.reader,
    );
    expect(await tables.text()).toBe('alerts\n');
    for (const q of ['SHOW TABLES FROM assay', 'DESCRIBE TABLE assay.alerts', 'EXISTS TABLE assay.alerts'])
      expect((await sql(q, server.reader)).status).toBe(200);
  });

  it('runs every query of every dashboard, as the Grafana plugin sends it (max_execution_time set)', async () => {
    const dir = new URL('../dashboards/json/', import.meta.url).pathname;
    const variables = { service: ALL, provider: ALL, route: ALL, model: ALL, evaluator: ALL, role: ALL };
    const range = { from: new Date(Date.now() - 3600_000), to: new Date(), intervalSeconds: 60, variables };
    let count = 0;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const m of text.matchAll(/"rawSql":\s*("(?:[^"\\]|\\.)*")/g)) {
        const query = expandMacros(JSON.parse(m[1] as string) as string, range);
        // The data source's default database travels as the HTTP interface's `database` parameter
        // (clickhouse-go's dialHttp sets it from Auth.Database): the dashboards name none.
        const res = await fetch(
          `${server.url}/?database=assay&max_execution_time=60&default_format=JSONCompact`,
          {
            method: 'POST',
            body: query,
            headers: { authorization: basic(server.reader) },
          },
        );
        expect(res.status, `${file}: ${await res.clone().text()}\n${query}`).toBe(200);
        await res.text();
        count++;
      }
    }
    expect(count).toBeGreaterThan(20);
  });

  it('may not write, drop, or lift read-only mode', async () => {
    for (const q of [
      'DROP TABLE assay.alerts',
      "INSERT INTO assay.alerts (fingerprint) VALUES ('x')",
      'TRUNCATE TABLE assay.alerts',
      'CREATE TABLE assay.x (a UInt8) ENGINE = Memory',
      'SELECT 1 SETTINGS readonly = 0',
      'SELECT 1 SETTINGS readonly = DEFAULT',
    ])
      await refused(await sql(q, server.reader), 403, 164);
    const lifted = await fetch(`${server.url}/?readonly=0`, {
      method: 'POST',
      body: 'DROP TABLE assay.alerts',
      headers: { authorization: basic(server.reader) },
    });
    await refused(lifted, 403, 164);
    expect(await (await sql('EXISTS TABLE assay.alerts')).text()).toBe('1\n');
  });

  it('gets what the admin gets on GET: read-only', async () => {
    const res = await fetch(`${server.url}/?query=${encodeURIComponent('DROP TABLE assay.alerts')}`, {
      headers: { authorization: basic(server.admin) },
    });
    await refused(res, 403, 164);
  });
});

describe('request body caps', () => {
  it('refuses a gzip bomb at the decompressed cap without growing memory by its size', async () => {
    // 1 GiB of zeros as 1,024 concatenated gzip members (about 1 MB on the wire).
    const member = gzipSync(Buffer.alloc(1024 ** 2));
    const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member));
    const before = process.memoryUsage().rss;
    const res = await sql('', server.admin, {
      body: bomb,
      headers: { 'content-encoding': 'gzip' },
    });
    const text = await refused(res, 413, 369);
    expect(text).toMatch(/max_decompressed_bytes/);
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * 1024 ** 2);
    expect(await (await sql('SELECT 5')).text()).toBe('5\n');
  });

  it('refuses a body whose Content-Length is over the cap before reading it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/`, {
        method: 'POST',
        headers: { authorization: basic(server.admin), 'content-length': String(2 * 1024 ** 3) },
      });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        req.destroy();
      });
      req.on('error', reject);
      req.write('SELECT 1');
    });
    expect(status).toBe(413);
  });
});
