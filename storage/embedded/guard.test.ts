import { describe, expect, it } from 'vitest';
import { EngineError } from './errors.ts';
import { checkSettingNames, checkStatement, deniedNames, type GuardPolicy } from './guard.ts';

const admin: GuardPolicy = { readOnly: false, denied: deniedNames(['sqlite', 'numbers', 'newRemoteThing']) };
const reader: GuardPolicy = { ...admin, readOnly: true };

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof EngineError) return err.code;
    throw err;
  }
  return undefined;
}

describe('checkStatement', () => {
  it.each([
    "SELECT * FROM file('/etc/passwd', 'LineAsString')",
    "SELECT file('/etc/passwd')",
    "SELECT * FROM `file`('/etc/passwd')",
    'SELECT * FROM "FILE" (\'/etc/passwd\')',
    "SELECT * FROM file/* gap */('/etc/passwd')",
    "SELECT * FROM url('http://127.0.0.1:6379/', 'LineAsString')",
    "SELECT * FROM s3('https://x/y')",
    "SELECT * FROM remote('127.0.0.1', system.one)",
    "SELECT * FROM remoteSecure('h', system.one)",
    "SELECT * FROM cluster('c', system.one)",
    "SELECT * FROM mysql('h', 'd', 't', 'u', 'p')",
    "SELECT * FROM postgresql('h', 'd', 't', 'u', 'p')",
    "SELECT * FROM hdfs('hdfs://x')",
    "SELECT * FROM jdbc('x', 'y')",
    "SELECT * FROM odbc('x', 'y')",
    "SELECT * FROM executable('x.sh', 'TSV', 'a String')",
    "SELECT * FROM sqlite('x', 'y')",
    "SELECT * FROM newRemoteThing('x')",
    "INSERT INTO FUNCTION file('/tmp/x', 'CSV') SELECT 1",
    "INSERT INTO FUNCTION null('a UInt8') SELECT 1",
    "SELECT 1 INTO OUTFILE '/tmp/x'",
    "INSERT INTO t FROM INFILE '/etc/passwd' FORMAT CSV",
    "CREATE TABLE t (a String) ENGINE = File(CSV, '/tmp/x')",
    "CREATE TABLE t (a String) ENGINE = URL('http://x', CSV)",
    "CREATE DICTIONARY d (a String) PRIMARY KEY a SOURCE(FILE(path '/etc/passwd' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)",
    "CREATE DICTIONARY d (a String) PRIMARY KEY a SOURCE(EXECUTABLE(command 'id' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)",
    "SELECT 1 FORMAT Template SETTINGS format_template_resultset = '/etc/passwd'",
    "SELECT 1 SETTINGS input_format_record_errors_file_path = '/tmp/x'",
    "BACKUP TABLE assay.alerts TO Disk('default', 'x.zip')",
    "ATTACH TABLE t FROM '/var/lib/x' (a UInt8) ENGINE = MergeTree ORDER BY a",
    'SYSTEM SHUTDOWN',
  ])('refuses %s', (sql) => expect(codeOf(() => checkStatement(sql, admin))).toBe(497));

  it.each([
    "SELECT 'file(' AS s",
    "SELECT count() FROM assay.llm_calls WHERE prompt LIKE '%url(%' OR response = 'INTO OUTFILE'",
    "SELECT 1 -- file('/etc/passwd')\n",
    "SELECT 1 /* url('x') */",
    "SELECT 'it\\'s file(' AS s, 'a''b' AS t",
    'SELECT `file name` FROM t',
    'SELECT file_name, url FROM t',
    'SELECT * FROM numbers(10)',
    'SELECT log(2), sqlite_x FROM t',
    "INSERT INTO assay.llm_calls (a) SETTINGS insert_deduplication_token = 'x' FORMAT RowBinary",
    'CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a',
    'SYSTEM FLUSH LOGS',
    'SELECT 1;',
    'SELECT 1; -- trailing comment',
    'SELECT {v:UInt32} * 2',
  ])('lets %s through', (sql) => expect(() => checkStatement(sql, admin)).not.toThrow());

  it.each(['SELECT 1; DROP TABLE assay.alerts', 'SELECT 1;SELECT 2', "SELECT ';' ; SELECT 2"])(
    'refuses the multi-statement %s',
    (sql) => expect(codeOf(() => checkStatement(sql, admin))).toBe(62),
  );

  it.each([
    "SELECT 1 # '\n, file('/etc/passwd') -- '",
    "SELECT $$ ' $$, file('/etc/passwd') -- '",
    'SELECT ‘x’',
    "SELECT 'unterminated",
    'SELECT 1 /* open',
    'SELECT 1\u0000',
  ])('refuses text this lexer could read differently from ClickHouse: %s', (sql) =>
    expect(codeOf(() => checkStatement(sql, admin))).toBe(62),
  );

  it('lets the read-only user read and nothing else', () => {
    for (const sql of [
      'SELECT 1',
      'WITH 1 AS x SELECT x',
      'SHOW TABLES',
      'DESCRIBE t',
      'EXISTS t',
      'EXPLAIN SELECT 1',
    ])
      expect(() => checkStatement(sql, reader)).not.toThrow();
    for (const sql of [
      'DROP TABLE assay.alerts',
      'INSERT INTO t VALUES (1)',
      'CREATE TABLE t (a UInt8) ENGINE = Memory',
      'ALTER TABLE t DELETE WHERE 1',
      'TRUNCATE t',
      'SELECT 1 SETTINGS readonly = 0',
      'SELECT * FROM t SETTINGS readonly = DEFAULT',
    ])
      expect(codeOf(() => checkStatement(sql, reader))).toBe(164);
  });

  it('answers SET and USE without running them', () => {
    expect(checkStatement('SET max_threads = 1', admin)).toEqual({ kind: 'SET', noop: true });
    expect(checkStatement('USE system', reader)).toEqual({ kind: 'USE', noop: true });
    expect(checkStatement('SELECT 1', admin)).toEqual({ kind: 'SELECT', noop: false });
  });
});

describe('checkSettingNames', () => {
  it('refuses file settings for all, readonly for read-only requests', () => {
    expect(codeOf(() => checkSettingNames(['format_schema'], admin))).toBe(497);
    expect(codeOf(() => checkSettingNames(['readonly'], reader))).toBe(164);
    expect(() => checkSettingNames(['max_threads', 'readonly'], admin)).not.toThrow();
  });
});

describe('deniedNames', () => {
  it('refuses what the engine lists unless it is known safe, and keeps safe collisions usable', () => {
    const names = deniedNames(
      ['numbers', 'fuzzQuery', 'file'],
      ['Log', 'Memory', 'QueryRunner'],
      ['null', 'http'],
    );
    expect(names.has('fuzzquery')).toBe(true);
    expect(names.has('queryrunner')).toBe(true);
    expect(names.has('http')).toBe(true);
    expect(names.has('numbers')).toBe(false);
    expect(names.has('log')).toBe(false);
    expect(names.has('null')).toBe(false);
  });
});
