import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { sqlIdentifier, sqlString, type ChdbEngine, type EngineResult } from './engine.ts';
import { EngineError, errorBody, httpStatusFor } from './errors.ts';
import { parseRequestParams, type RequestParams } from './request.ts';
import {
  contentTypeFor,
  explicitFormat,
  isReadOnly,
  parseInsertHead,
  rawInsertFormat,
  type InsertHead,
} from './statement.ts';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

/** Request bodies larger than this are refused (a batch of the writer is a few MB). */
const MAX_BODY_BYTES = 512 * 1024 ** 2;
/** How much of a body is searched for an `INSERT ... FORMAT` head when the URL has no query. */
const HEAD_SCAN_BYTES = 64 * 1024;

/** A ready answer: status, headers and body. */
interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** Serves ClickHouse's HTTP interface (the part clients and curl use) on top of a chdb engine. */
export function createHandler(engine: ChdbEngine, version: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let queryId: string = randomUUID();
    let reply: Reply;
    try {
      const params = parseRequestParams(url.searchParams);
      queryId = params.queryId ?? queryId;
      reply = await route(engine, req, url.pathname, params);
    } catch (err) {
      const e = EngineError.from(err);
      reply = {
        status: httpStatusFor(e.code),
        headers: {
          'Content-Type': 'text/plain; charset=UTF-8',
          'X-ClickHouse-Exception-Code': String(e.code),
        },
        body: errorBody(e, version),
      };
    }
    reply.headers['X-ClickHouse-Query-Id'] = queryId;
    reply.headers['X-ClickHouse-Timezone'] = 'UTC';
    await send(req, res, reply, url.searchParams.get('enable_http_compression') === '1');
  };
}

async function route(
  engine: ChdbEngine,
  req: IncomingMessage,
  path: string,
  p: RequestParams,
): Promise<Reply> {
  const ok: Reply = { status: 200, headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: 'Ok.\n' };
  if (path === '/ping' || path === '/replicas_status') return ok;
  if (path !== '/')
    return {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=UTF-8' },
      body: `There is no handle ${path}\n`,
    };
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (p.query === undefined) return ok;
    // ClickHouse runs GET requests with readonly=1.
    if (!isReadOnly(p.query)) throw new EngineError(164, 'READONLY', 'Cannot execute query in readonly mode');
    return runQuery(engine, p.query, p);
  }
  if (req.method !== 'POST')
    throw new EngineError(48, 'NOT_IMPLEMENTED', `HTTP method ${req.method ?? ''} is not supported`);
  const body = await readBody(req);
  const insert = findInsert(p.query, body);
  if (insert) return runInsert(engine, insert.head, insert.data, p);
  const sql = [p.query, body.length ? body.toString('utf8') : undefined]
    .filter((s) => s !== undefined)
    .join('\n');
  if (!sql.trim()) throw new EngineError(62, 'SYNTAX_ERROR', 'Empty query');
  return runQuery(engine, sql, p);
}

async function runQuery(engine: ChdbEngine, sql: string, p: RequestParams): Promise<Reply> {
  const format = explicitFormat(sql) ?? p.defaultFormat ?? 'TabSeparated';
  const result = await engine.query(sql, format, p.params, { settings: p.settings, database: p.database });
  return resultReply(result, format);
}

/**
 * An INSERT whose data follows its FORMAT clause, either in the URL `query` (data in the body,
 * how clients send inserts) or at the start of the body (how curl users do). As in ClickHouse's
 * HTTP handler, the URL query gets a line break appended before the body, and the data starts
 * after the blanks and the one line break that follow the format name. Nothing inside the body
 * is skipped when the query ends at the format name: binary formats may start with any byte.
 */
function findInsert(query: string | undefined, body: Buffer): { head: InsertHead; data: Buffer } | undefined {
  if (query !== undefined) {
    const head = parseInsertHead(query);
    if (!head) return undefined;
    const tail = afterSeparator(Buffer.from(`${query.slice(head.end)}\n`, 'utf8'));
    return { head, data: tail.length === 0 ? body : body.length ? Buffer.concat([tail, body]) : tail };
  }
  // latin1 maps bytes 1:1 to chars, so string offsets are byte offsets.
  const head = parseInsertHead(body.subarray(0, HEAD_SCAN_BYTES).toString('latin1'));
  if (!head) return undefined;
  return { head, data: afterSeparator(body.subarray(head.end)) };
}

/** Skips the blanks and at most one line break (CRLF or LF) that separate FORMAT from the data. */
function afterSeparator(data: Buffer): Buffer {
  let start = 0;
  while (data[start] === 0x20 || data[start] === 0x09) start++;
  if (data[start] === 0x0d && data[start + 1] === 0x0a) start++;
  if (data[start] === 0x0a) start++;
  return data.subarray(start);
}

async function runInsert(
  engine: ChdbEngine,
  head: InsertHead,
  data: Buffer,
  p: RequestParams,
): Promise<Reply> {
  const fmt = rawInsertFormat(head.format);
  const table =
    head.qualified || p.database === undefined ? head.table : `${sqlIdentifier(p.database)}.${head.table}`;
  const settings = [head.settings, ...p.settings.map(([k, v]) => `${k} = ${sqlString(v)}`)].filter(Boolean);
  const target = `INSERT INTO ${table}${head.columns ? ` ${head.columns}` : ''}`;
  const settingsClause = settings.length ? ` SETTINGS ${settings.join(', ')}` : '';
  if (!fmt) {
    // Formats chdb's raw insert does not take (e.g. JSONStringsEachRow) still work as inline data.
    const sql = `${target}${settingsClause} FORMAT ${head.format}\n${data.toString('utf8')}`;
    const result = await engine.query(sql, 'TabSeparated', undefined, { settings: [] });
    return resultReply(result, 'TabSeparated');
  }
  if (data.length === 0) return resultReply(emptyResult(), 'TabSeparated');
  const result = await engine.insert(target, settingsClause, fmt, data, { settings: [] });
  return resultReply(result, 'TabSeparated');
}

function emptyResult(): EngineResult {
  return {
    body: Buffer.alloc(0),
    readRows: 0,
    readBytes: 0,
    writtenRows: 0,
    writtenBytes: 0,
    elapsedSeconds: 0,
  };
}

function resultReply(r: EngineResult, format: string): Reply {
  const summary = {
    read_rows: String(r.readRows),
    read_bytes: String(r.readBytes),
    written_rows: String(r.writtenRows),
    written_bytes: String(r.writtenBytes),
    total_rows_to_read: String(r.readRows),
    result_rows: String(r.writtenRows || r.readRows),
    result_bytes: String(r.body.length),
    elapsed_ns: String(Math.round(r.elapsedSeconds * 1e9)),
  };
  return {
    status: 200,
    headers: {
      'Content-Type': contentTypeFor(format),
      'X-ClickHouse-Format': format,
      'X-ClickHouse-Summary': JSON.stringify(summary),
    },
    body: r.body,
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES)
    throw new EngineError(369, 'QUERY_IS_TOO_LARGE', 'Request body is too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new EngineError(369, 'QUERY_IS_TOO_LARGE', 'Request body is too large');
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks);
  const encoding = (req.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === '' || encoding === 'identity') return raw;
  if (encoding === 'gzip') {
    try {
      return await gunzipAsync(raw);
    } catch {
      throw new EngineError(432, 'UNKNOWN_CODEC', 'Cannot decompress the gzip request body');
    }
  }
  throw new EngineError(432, 'UNKNOWN_CODEC', `Unsupported Content-Encoding ${encoding}`);
}

async function send(
  req: IncomingMessage,
  res: ServerResponse,
  reply: Reply,
  compression: boolean,
): Promise<void> {
  let body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
  const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (compression && accepts && body.length > 0) {
    body = await gzipAsync(body);
    reply.headers['Content-Encoding'] = 'gzip';
  }
  reply.headers['Content-Length'] = String(body.length);
  res.writeHead(reply.status, reply.headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
