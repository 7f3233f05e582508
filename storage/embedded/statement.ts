/**
 * Just enough SQL reading for the HTTP front of the embedded engine: find `INSERT ... FORMAT F`
 * heads (so their data goes to chdb's raw insert without being decoded in JS), the explicit
 * output `FORMAT` of a query. What a client may run is guard.ts's; everything else is the
 * engine's.
 */

const IDENT = '(?:`(?:[^`\\\\]|\\\\.|``)*`|"(?:[^"\\\\]|\\\\.|"")*"|[A-Za-z_][A-Za-z0-9_$]*)';
const QUOTED = "'(?:[^'\\\\]|\\\\.)*'";
const INSERT_HEAD = new RegExp(
  '^\\s*INSERT\\s+INTO\\s+(?:TABLE\\s+)?' +
    `(${IDENT}(?:\\s*\\.\\s*${IDENT})?)` + // [db.]table
    `\\s*(\\((?:[^()'"\`]|${QUOTED}|${IDENT})*\\))?` + // (col, ...)
    `\\s*(?:SETTINGS\\s+((?:[^'"\`]|${QUOTED})*?)\\s+)?` + // SETTINGS k = v, ...
    'FORMAT\\s+([A-Za-z][A-Za-z0-9_]*)',
  'i',
);

/** The head of an `INSERT INTO t [(cols)] [SETTINGS ...] FORMAT F` statement. */
export interface InsertHead {
  /** Table as written (identifiers keep their quoting), `db.t` or `t`. */
  table: string;
  /** Whether `table` names its database. */
  qualified: boolean;
  /** Column list with parentheses, as written, if any. */
  columns?: string;
  /** Settings written in the statement (`k = v, ...`), if any. */
  settings?: string;
  format: string;
  /** Offset just after the format name: inline data (if any) starts here. */
  end: number;
}

/** Parses an INSERT head with a FORMAT clause; undefined for any other statement. */
export function parseInsertHead(sql: string): InsertHead | undefined {
  const m = INSERT_HEAD.exec(sql);
  if (!m?.[1] || !m[4]) return undefined;
  const table = m[1].replace(new RegExp(`(${IDENT})\\s*\\.\\s*`), '$1.');
  return {
    table,
    qualified: table.length !== stripQualifier(table).length,
    columns: m[2],
    settings: m[3],
    format: m[4],
    end: m.index + m[0].length,
  };
}

function stripQualifier(table: string): string {
  const m = new RegExp(`^${IDENT}\\.(.*)$`).exec(table);
  return m?.[1] ?? table;
}

/**
 * Formats whose data is handed to the engine as bytes, by canonical name: chdb's raw-insert
 * whitelist plus RowBinary (binary: always read from a file, see ChdbEngine.insert).
 */
type RawFormat = { canonical: string; lineDelimited: boolean; binary: boolean };
const RAW_INSERT_FORMATS = new Map<string, RawFormat>([
  ['jsoneachrow', { canonical: 'JSONEachRow', lineDelimited: true, binary: false }],
  ['jsoncompacteachrow', { canonical: 'JSONCompactEachRow', lineDelimited: true, binary: false }],
  ['tsv', { canonical: 'TabSeparated', lineDelimited: true, binary: false }],
  ['tabseparated', { canonical: 'TabSeparated', lineDelimited: true, binary: false }],
  ['tsvwithnames', { canonical: 'TabSeparatedWithNames', lineDelimited: true, binary: false }],
  ['tabseparatedwithnames', { canonical: 'TabSeparatedWithNames', lineDelimited: true, binary: false }],
  ['csv', { canonical: 'CSV', lineDelimited: false, binary: false }],
  ['csvwithnames', { canonical: 'CSVWithNames', lineDelimited: false, binary: false }],
  ['rowbinary', { canonical: 'RowBinary', lineDelimited: false, binary: true }],
]);

/** The raw-insert form of a format, or undefined when chdb's raw insert does not take it. */
export function rawInsertFormat(format: string): RawFormat | undefined {
  return RAW_INSERT_FORMATS.get(format.toLowerCase());
}

const TRAILING_FORMAT =
  /\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*(?:SETTINGS\s(?:[^'"`]|'(?:[^'\\]|\\.)*')*)?;?\s*$/i;

/** The output format named by a trailing `FORMAT x` clause, if the statement has one. */
export function explicitFormat(sql: string): string | undefined {
  return TRAILING_FORMAT.exec(sql)?.[1];
}

/** `Content-Type` ClickHouse sends for an output format. */
export function contentTypeFor(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('json') && f.endsWith('eachrow')) return 'application/x-ndjson; charset=UTF-8';
  if (f.startsWith('json')) return 'application/json; charset=UTF-8';
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (f === 'csv') return 'text/csv; charset=UTF-8; header=absent';
  if (f.startsWith('csv')) return 'text/csv; charset=UTF-8; header=present';
  if (
    ['native', 'rowbinary', 'parquet', 'arrow', 'arrowstream', 'orc', 'avro', 'msgpack'].some((b) =>
      f.startsWith(b),
    )
  )
    return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}
