import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { createAuthenticator, type EmbeddedUser } from './auth.ts';
import { readBody, type BodyLimits } from './body.ts';
import { sqlIdentifier, sqlString, type ChdbEngine, type EngineResult } from './engine.ts';
import { EngineError, errorBody, httpStatusFor } from './errors.ts';
import { checkSettingNames, checkStatement, type GuardPolicy } from './guard.ts';
import { parseRequestParams, type RequestParams } from './request.ts';
import {
  contentTypeFor,
  explicitFormat,
  parseInsertHead,
  rawInsertFormat,
  type InsertHead,
} from './statement.ts';

const gzipAsync = promisify(gzip);

/** How much of a body is searched for an `INSERT ... FORMAT` head when the URL has no query. */
const HEAD_SCAN_BYTES = 64 * 1024;

/** A ready answer: status, headers and body. */
interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** What the handler enforces on every request. */
export interface HandlerSecurity extends BodyLimits {
  users: readonly EmbeddedUser[];
  /** Lowercased names of functions, engines and dictionary sources refused (guard.ts). */
  denied: ReadonlySet<string>;
  /** `Origin` values accepted; a request with any other Origin is refused. */
  allowedOrigins: readonly string[];
}

/** One request as the routes see it: who sent it and what it may do. */
interface Context {
  engine: ChdbEngine;
  security: HandlerSecurity;
  params: RequestParams;
  policy: GuardPolicy;
}

/**
 * Serves ClickHouse's HTTP interface (the part clients and curl use) on top of a chdb engine:
 * authenticated, one statement per request, read-only for the read-only user and for GET,
 * no file, URL or remote access (guard.ts), bodies capped, no request from a web page.
 */
export function createHandler(engine: ChdbEngine, version: string, security: HandlerSecurity) {
  const authenticate = createAuthenticator(security.users);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let queryId: string = randomUUID();
    let reply: Reply;
    try {
      refuseWebPages(req, security.allowedOrigins);
      const open = openRoute(req, url);
      if (open) reply = open;
      else {
        const principal = authenticate(req.headers, url.searchParams);
        const params = parseRequestParams(url.searchParams);
        queryId = params.queryId ?? queryId;
        const readOnly =
          principal.readOnly || req.method === 'GET' || req.method === 'HEAD' || params.readOnly;
        const policy: GuardPolicy = { readOnly, denied: security.denied };
        checkSettingNames(
          params.settings.map(([k]) => k),
          policy,
        );
        reply = await route({ engine, security, params, policy }, req);
      }
    } catch (err) {
      const e = EngineError.from(err);
      reply = {
        status: e.status ?? httpStatusFor(e.code),
        headers: {
          'Content-Type': 'text/plain; charset=UTF-8',
          'X-ClickHouse-Exception-Code': String(e.code),
        },
        body: errorBody(e, version),
      };
      // The rest of an oversized body is not read: close rather than drain it.
      if (reply.status === 413) reply.headers['Connection'] = 'close';
    }
    reply.headers['X-ClickHouse-Query-Id'] = queryId;
    reply.headers['X-ClickHouse-Timezone'] = 'UTC';
    await send(req, res, reply, url.searchParams.get('enable_http_compression') === '1');
  };
}

/**
 * A browser sends `Origin` with every cross-origin POST (and `Sec-Fetch-Site` on every request):
 * a page on any site could otherwise reach this loopback port. Clients and curl send neither.
 */
function refuseWebPages(req: IncomingMessage, allowed: readonly string[]): void {
  const origin = req.headers.origin;
  if (origin !== undefined && !allowed.includes(origin))
    throw new EngineError(
      497,
      'ACCESS_DENIED',
      `Requests from web pages are refused (Origin: ${origin}); list the origin in clickhouse.embedded.allowed_origins to allow it`,
    );
  const site = req.headers['sec-fetch-site'];
  if (origin === undefined && (site === 'cross-site' || site === 'same-site'))
    throw new EngineError(497, 'ACCESS_DENIED', 'Requests from other web sites are refused');
}

const OK: Reply = { status: 200, headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: 'Ok.\n' };

/** Answers that need no credentials, as on ClickHouse: /ping, /replicas_status, `/` with no query. */
function openRoute(req: IncomingMessage, url: URL): Reply | undefined {
  const path = url.pathname;
  if (path === '/ping' || path === '/replicas_status') return { ...OK, headers: { ...OK.headers } };
  if (path !== '/')
    return {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=UTF-8' },
      body: `There is no handle ${path}\n`,
    };
  if ((req.method === 'GET' || req.method === 'HEAD') && !url.searchParams.has('query'))
    return { ...OK, headers: { ...OK.headers } };
  return undefined;
}

async function route(ctx: Context, req: IncomingMessage): Promise<Reply> {
  const p = ctx.params;
  if (req.method === 'GET' || req.method === 'HEAD') return runQuery(ctx, p.query ?? '');
  if (req.method !== 'POST')
    throw new EngineError(48, 'NOT_IMPLEMENTED', `HTTP method ${req.method ?? ''} is not supported`);
  const body = await readBody(req, ctx.security);
  const insert = findInsert(p.query, body);
  if (insert) {
    checkStatement(insert.sql, ctx.policy);
    return runInsert(ctx, insert.head, insert.data);
  }
  const sql = [p.query, body.length ? body.toString('utf8') : undefined]
    .filter((s) => s !== undefined)
    .join('\n');
  return runQuery(ctx, sql);
}

async function runQuery(ctx: Context, sql: string): Promise<Reply> {
  if (!sql.trim()) throw new EngineError(62, 'SYNTAX_ERROR', 'Empty query');
  const p = ctx.params;
  const checked = checkStatement(sql, ctx.policy);
  if (checked.noop) return resultReply(emptyResult(), 'TabSeparated');
  const format = explicitFormat(sql) ?? p.defaultFormat ?? 'TabSeparated';
  const result = await ctx.engine.query(sql, format, p.params, {
    settings: p.settings,
    database: p.database,
    readOnly: ctx.policy.readOnly,
  });
  return resultReply(result, format);
}

/**
 * An INSERT whose data follows its FORMAT clause, either in the URL `query` (data in the body,
 * how clients send inserts) or at the start of the body (how curl users do). As in ClickHouse's
 * HTTP handler, the URL query gets a line break appended before the body, and the data starts
 * after the blanks and the one line break that follow the format name. Nothing inside the body
 * is skipped when the query ends at the format name: binary formats may start with any byte.
 */
function findInsert(
  query: string | undefined,
  body: Buffer,
): { head: InsertHead; sql: string; data: Buffer } | undefined {
  if (query !== undefined) {
    const head = parseInsertHead(query);
    if (!head) return undefined;
    const tail = afterSeparator(Buffer.from(`${query.slice(head.end)}\n`, 'utf8'));
    const data = tail.length === 0 ? body : body.length ? Buffer.concat([tail, body]) : tail;
    return { head, sql: query.slice(0, head.end), data };
  }
  // latin1 maps bytes 1:1 to chars, so string offsets are byte offsets.
  const text = body.subarray(0, HEAD_SCAN_BYTES).toString('latin1');
  const head = parseInsertHead(text);
  if (!head) return undefined;
  return { head, sql: text.slice(0, head.end), data: afterSeparator(body.subarray(head.end)) };
}

/** Skips the blanks and at most one line break (CRLF or LF) that separate FORMAT from the data. */
function afterSeparator(data: Buffer): Buffer {
  let start = 0;
  while (data[start] === 0x20 || data[start] === 0x09) start++;
  if (data[start] === 0x0d && data[start + 1] === 0x0a) start++;
  if (data[start] === 0x0a) start++;
  return data.subarray(start);
}

async function runInsert(ctx: Context, head: InsertHead, data: Buffer): Promise<Reply> {
  const p = ctx.params;
  // Formats chdb's raw insert does not take (e.g. JSONStringsEachRow) are read from a file
  // too: as inline data of a query, a blank line would end the data and start more SQL.
  const fmt = rawInsertFormat(head.format) ?? { canonical: head.format, lineDelimited: false, binary: true };
  const table =
    head.qualified || p.database === undefined ? head.table : `${sqlIdentifier(p.database)}.${head.table}`;
  const settings = [head.settings, ...p.settings.map(([k, v]) => `${k} = ${sqlString(v)}`)].filter(Boolean);
  const target = `INSERT INTO ${table}${head.columns ? ` ${head.columns}` : ''}`;
  const settingsClause = settings.length ? ` SETTINGS ${settings.join(', ')}` : '';
  if (data.length === 0) return resultReply(emptyResult(), 'TabSeparated');
  const result = await ctx.engine.insert(target, settingsClause, fmt, data, { settings: [] });
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
