import { describe, expect, it } from 'vitest';
import { parseRequestParams } from './request.ts';
import { contentTypeFor, explicitFormat, parseInsertHead } from './statement.ts';

describe('parseInsertHead', () => {
  it.each([
    ['INSERT INTO t FORMAT JSONEachRow', 't', false, undefined, undefined, 'JSONEachRow'],
    [
      'insert into assay.llm_calls format JSONEachRow',
      'assay.llm_calls',
      true,
      undefined,
      undefined,
      'JSONEachRow',
    ],
    [
      'INSERT INTO TABLE `my db`.`odd``name` FORMAT CSV',
      '`my db`.`odd``name`',
      true,
      undefined,
      undefined,
      'CSV',
    ],
    ['INSERT INTO "d" . "t" (a, `b c`) FORMAT TSV', '"d"."t"', true, '(a, `b c`)', undefined, 'TSV'],
    [
      "INSERT INTO t (a) SETTINGS insert_deduplication_token = 'x FORMAT y', async_insert=0 FORMAT JSONEachRow",
      't',
      false,
      '(a)',
      "insert_deduplication_token = 'x FORMAT y', async_insert=0",
      'JSONEachRow',
    ],
  ])('%s', (sql, table, qualified, columns, settings, format) => {
    expect(parseInsertHead(sql)).toMatchObject({
      table,
      qualified,
      columns,
      settings,
      format,
      end: sql.length,
    });
  });

  it('points at the inline data', () => {
    const sql = 'INSERT INTO t FORMAT JSONEachRow {"a":1}';
    const head = parseInsertHead(sql);
    expect(sql.slice(head?.end)).toBe(' {"a":1}');
  });

  it.each([
    'INSERT INTO t VALUES (1)',
    'INSERT INTO t SELECT 1',
    'SELECT 1 FORMAT JSON',
    'INSERT INTO FUNCTION file(x) FORMAT CSV',
  ])('is undefined for %s', (sql) => expect(parseInsertHead(sql)).toBeUndefined());
});

describe('explicitFormat', () => {
  it.each([
    ['SELECT 1 FORMAT JSONEachRow', 'JSONEachRow'],
    ['SELECT 1\nFORMAT JSON;', 'JSON'],
    ["SELECT 1 FORMAT CSV SETTINGS max_threads = 1, x = 'y'", 'CSV'],
    ['SELECT 1', undefined],
    ["SELECT 'FORMAT JSON' AS s", undefined],
  ])('%s → %s', (sql, format) => expect(explicitFormat(sql)).toBe(format));
});

describe('contentTypeFor', () => {
  it('follows ClickHouse per format family', () => {
    expect(contentTypeFor('JSON')).toBe('application/json; charset=UTF-8');
    expect(contentTypeFor('JSONEachRow')).toBe('application/x-ndjson; charset=UTF-8');
    expect(contentTypeFor('TabSeparated')).toBe('text/tab-separated-values; charset=UTF-8');
    expect(contentTypeFor('CSVWithNames')).toBe('text/csv; charset=UTF-8; header=present');
    expect(contentTypeFor('RowBinary')).toBe('application/octet-stream');
  });
});

describe('parseRequestParams', () => {
  it('splits query, params, settings and HTTP-only options', () => {
    const p = parseRequestParams(
      new URLSearchParams(
        'query_id=q1&param_s=it%5C%27s&database=assay&default_format=JSON&wait_end_of_query=1&max_execution_time=5&enable_http_compression=1&query=SELECT+1',
      ),
    );
    expect(p).toEqual({
      query: 'SELECT 1',
      queryId: 'q1',
      database: 'assay',
      defaultFormat: 'JSON',
      params: { s: "it\\'s" },
      settings: [['max_execution_time', '5']],
      compressResponse: true,
      readOnly: false,
    });
  });

  it('refuses a setting name that is not an identifier', () => {
    expect(() => parseRequestParams(new URLSearchParams('a;b=1'))).toThrow(/Unknown setting/);
  });
});
