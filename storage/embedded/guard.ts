import { EngineError } from './errors.ts';

/**
 * The statement-level guard of the embedded server. chdb has no access control of its own (one
 * built-in `default` user holding every grant, `CREATE USER` and `REVOKE` refused) and its
 * `readonly` setting is weak (measured on chdb 3.4 / ClickHouse 26.7: `SET readonly = DEFAULT`
 * lifts it even at readonly=1, `INTO OUTFILE` and the scalar `file()` work at readonly=1, table
 * functions at readonly=2). So every client statement is read token by token here before the
 * engine sees it: one statement only, no function, table function, table engine or dictionary
 * source that reaches files, URLs, other servers or programs, no INFILE/OUTFILE, no setting
 * that names a file. String literals and comments are skipped, so `'file('` in a value is data.
 * Where this lexer and ClickHouse's could read the same text differently (`#` comments, `$`
 * heredocs, Unicode quotes, unterminated literals) the statement is refused, never guessed.
 */

/** Table functions a client may call: they read only the request or Assay's own tables. */
const SAFE_TABLE_FUNCTIONS = [
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'primes',
  'generateRandom',
  'generateSeries',
  'generate_series',
  'values',
  'format',
  'input',
  'null',
  'view',
  'viewIfPermitted',
  'viewExplain',
  'merge',
  'loop',
  'dictionary',
  'mergeTreeIndex',
  'mergeTreeProjection',
  'mergeTreeAnalyzeIndexes',
  'mergeTreeAnalyzeIndexesUUID',
  'mergeTreeTextIndex',
];

/** Table engines a client may create: local storage only. */
const SAFE_ENGINES = [
  'MergeTree',
  'ReplacingMergeTree',
  'SummingMergeTree',
  'AggregatingMergeTree',
  'CollapsingMergeTree',
  'VersionedCollapsingMergeTree',
  'CoalescingMergeTree',
  'GraphiteMergeTree',
  'ReplicatedMergeTree',
  'ReplicatedReplacingMergeTree',
  'ReplicatedSummingMergeTree',
  'ReplicatedAggregatingMergeTree',
  'ReplicatedCollapsingMergeTree',
  'ReplicatedVersionedCollapsingMergeTree',
  'ReplicatedCoalescingMergeTree',
  'ReplicatedGraphiteMergeTree',
  'Memory',
  'Log',
  'TinyLog',
  'StripeLog',
  'Null',
  'Set',
  'Join',
  'Buffer',
  'View',
  'MaterializedView',
  'WindowView',
  'Merge',
  'Dictionary',
  'Alias',
  'Loop',
  'TimeSeries',
  'GenerateRandom',
];

/**
 * Names refused whatever the engine reports: the table functions, engines and dictionary
 * sources of issue 10, the scalar `file()` (reads any path in chdb), and chdb's `python()`.
 * The server adds every other table function, engine and dictionary source that chdb lists and
 * the safe lists above do not name (see {@link deniedNames}), so a new one is refused by default.
 */
const ALWAYS_DENIED = [
  'file',
  'fileCluster',
  'filesystem',
  'FileLog',
  'url',
  'urlCluster',
  'http',
  's3',
  's3Cluster',
  'S3Queue',
  'gcs',
  'oss',
  'cosn',
  'azureBlobStorage',
  'azureBlobStorageCluster',
  'hdfs',
  'hdfsCluster',
  'hive',
  'remote',
  'remoteSecure',
  'cluster',
  'clusterAllReplicas',
  'Distributed',
  'clickhouse',
  'mysql',
  'postgresql',
  'MaterializedPostgreSQL',
  'sqlite',
  'mongodb',
  'redis',
  'cassandra',
  'jdbc',
  'odbc',
  'library',
  'executable',
  'ExecutablePool',
  'executable_pool',
  'yamlregexptree',
  'EmbeddedRocksDB',
  'Kafka',
  'RabbitMQ',
  'NATS',
  'python',
];

/**
 * Settings that make the engine read or write a file named by the client (schemas, templates,
 * error logs). Refused in URL parameters and in the SQL text.
 */
const FILE_SETTINGS = new Set([
  'format_schema',
  'format_schema_source',
  'format_template_resultset',
  'format_template_row',
  'output_format_schema',
  'input_format_record_errors_file_path',
]);

/** Settings a read-only request may not name: they would lift read-only mode. */
const READONLY_SETTINGS = new Set(['readonly', 'allow_ddl']);

/** Statements a read-only request (the read-only user, any GET) may run (SET and USE: no-ops). */
const READ_STATEMENTS = new Set([
  'SELECT',
  'WITH',
  'SHOW',
  'DESCRIBE',
  'DESC',
  'EXISTS',
  'EXPLAIN',
  'SET',
  'USE',
]);

/** Statements refused for everyone: they read or write files (backups, ATTACH … FROM path). */
const DENIED_STATEMENTS = new Set(['BACKUP', 'RESTORE', 'ATTACH']);

/** The lowercased names a client may not call, from the engine's own lists (see ALWAYS_DENIED). */
export function deniedNames(
  tableFunctions: readonly string[] = [],
  engines: readonly string[] = [],
  dictionarySources: readonly string[] = [],
): Set<string> {
  const safe = new Set([...SAFE_TABLE_FUNCTIONS, ...SAFE_ENGINES, 'null'].map((n) => n.toLowerCase()));
  const denied = new Set(ALWAYS_DENIED.map((n) => n.toLowerCase()));
  for (const name of [...tableFunctions, ...engines, ...dictionarySources]) {
    const lower = name.toLowerCase();
    if (!safe.has(lower)) denied.add(lower);
  }
  return denied;
}

/** How one request's statement is checked. */
export interface GuardPolicy {
  /** The read-only user, or a GET request: only reading statements. */
  readOnly: boolean;
  /** Lowercased names of functions, engines and sources refused (from {@link deniedNames}). */
  denied: ReadonlySet<string>;
}

/** What the guard learnt about an accepted statement. */
export interface CheckedStatement {
  /** First keyword, upper case (`SELECT`, `INSERT`, …); '' for an empty statement. */
  kind: string;
  /**
   * `SET` and `USE`: without an HTTP session ClickHouse applies them to that request only, so
   * they are answered without running (running them would leak into a pooled connection).
   */
  noop: boolean;
}

type Token = { type: 'word' | 'ident' | 'punct'; text: string };

const denied = (what: string): EngineError =>
  new EngineError(497, 'ACCESS_DENIED', `${what} is not allowed on the embedded ClickHouse server`);

/** Checks one client statement; throws the EngineError the client should see. */
export function checkStatement(sql: string, policy: GuardPolicy): CheckedStatement {
  const tokens = tokenize(sql);
  const semi = tokens.findIndex((t) => t.type === 'punct' && t.text === ';');
  if (semi >= 0 && semi < tokens.length - 1)
    throw new EngineError(62, 'SYNTAX_ERROR', 'Multi-statements are not allowed');
  const words = semi >= 0 ? tokens.slice(0, semi) : tokens;
  const kind = words[0]?.type === 'word' ? words[0].text.toUpperCase() : '';
  if (policy.readOnly && kind !== '' && !READ_STATEMENTS.has(kind))
    throw new EngineError(164, 'READONLY', 'Cannot execute query in readonly mode');
  if (DENIED_STATEMENTS.has(kind)) throw denied(kind);
  if (kind === 'SYSTEM' && /^(SHUTDOWN|KILL)$/i.test(words[1]?.text ?? ''))
    throw denied('SYSTEM SHUTDOWN/KILL');
  for (let i = 0; i < words.length; i++) {
    const t = words[i] as Token;
    if (t.type === 'punct') continue;
    const lower = t.text.toLowerCase();
    const next = words[i + 1];
    if (next?.type === 'punct' && next.text === '(' && policy.denied.has(lower)) throw denied(`${t.text}()`);
    if (t.type !== 'word') continue;
    if (lower === 'infile' || lower === 'outfile') throw denied(`${t.text.toUpperCase()}`);
    if (lower === 'function' && words[i - 1]?.text.toUpperCase() === 'INTO')
      throw denied('INSERT INTO FUNCTION');
    if (FILE_SETTINGS.has(lower)) throw denied(`setting ${t.text}`);
    if (policy.readOnly && READONLY_SETTINGS.has(lower))
      throw new EngineError(164, 'READONLY', `Cannot modify '${t.text}' setting in readonly mode`);
  }
  return { kind, noop: kind === 'SET' || kind === 'USE' };
}

/** Checks the settings a request names in its URL. */
export function checkSettingNames(names: Iterable<string>, policy: GuardPolicy): void {
  for (const name of names) {
    const lower = name.toLowerCase();
    if (FILE_SETTINGS.has(lower)) throw denied(`setting ${name}`);
    if (policy.readOnly && READONLY_SETTINGS.has(lower))
      throw new EngineError(164, 'READONLY', `Cannot modify '${name}' setting in readonly mode`);
  }
}

const unreadable = (what: string): EngineError =>
  new EngineError(62, 'SYNTAX_ERROR', `${what} is not accepted by the embedded ClickHouse server`);

/** Words, quoted identifiers and punctuation; literals, numbers and comments are dropped. */
function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    const ch = sql[i] as string;
    if (c > 0x7e) throw unreadable('A non-ASCII character outside a quoted literal');
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v') {
      i++;
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      // ClickHouse nests block comments; ending at the first `*/` reads more as code, never less.
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw unreadable('An unterminated comment');
      i = end + 2;
    } else if (ch === "'" || ch === '`' || ch === '"') {
      const end = closingQuote(sql, i);
      if (ch !== "'") out.push({ type: 'ident', text: sql.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i, i + 256)) as RegExpExecArray;
      out.push({ type: 'word', text: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(ch)) {
      // Digits only: `1e5` or `0x1F` read as a number and a word, so no name hides in a number.
      while (/[0-9]/.test(sql[i] ?? '')) i++;
    } else if (ch === '#' || ch === '$' || c < 0x20) {
      throw unreadable(`The character ${JSON.stringify(ch)} outside a quoted literal`);
    } else {
      out.push({ type: 'punct', text: ch });
      i++;
    }
  }
  return out;
}

/** Index of the quote closing the literal or identifier opened at `start` (backslash escapes). */
function closingQuote(sql: string, start: number): number {
  const quote = sql[start];
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] === '\\') i++;
    else if (sql[i] === quote) return i;
  }
  throw unreadable('An unterminated quoted literal');
}
