import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Session } from 'chdb';
import { EngineError } from './errors.ts';

/** What the native addon returns for a query. */
interface NativeResult {
  bytes: Uint8Array;
  elapsed: number;
  rowsRead: number;
  bytesRead: number;
}

/** What the native addon returns for a raw insert (rowsWritten includes MV cascades). */
interface NativeInsertResult {
  rowsWritten: number;
  bytesWritten: number;
  elapsed: number;
}

/** The two native entry points the HTTP server needs. */
interface ChdbNative {
  QueryAsyncConnection(
    conn: unknown,
    sql: string,
    format: string,
    params?: Record<string, string>,
  ): Promise<NativeResult>;
  InsertRawAsyncConnection(
    conn: unknown,
    prefix: string,
    data: Buffer,
    countLines: boolean,
  ): Promise<NativeInsertResult>;
}

/**
 * The native addon, reached directly rather than through `Session.queryBindAsync`: the HTTP
 * interface receives parameter values already in ClickHouse's escaped text form
 * (`param_x=it\'s`), and chdb's JS binder would escape them a second time. The native call
 * binds the text as-is, exactly like a ClickHouse server does.
 */
function loadNative(): ChdbNative {
  const req = createRequire(import.meta.url);
  const loader = req(join(dirname(req.resolve('chdb')), 'dist', 'loader.js')) as { loadNative(): ChdbNative };
  return loader.loadNative();
}

/** Result of one statement: bytes in the requested format plus counters for X-ClickHouse-Summary. */
export interface EngineResult {
  body: Buffer;
  readRows: number;
  readBytes: number;
  writtenRows: number;
  writtenBytes: number;
  elapsedSeconds: number;
}

/** Per-statement context taken from the URL: settings (applied with SET) and the default database. */
export interface StatementContext {
  settings: ReadonlyArray<readonly [string, string]>;
  database?: string;
  /**
   * Run under `readonly = 1` (the read-only user, GET requests). A second line of defence only:
   * chdb lets `SET readonly = DEFAULT` lift it, so guard.ts refuses any client text naming it.
   */
  readOnly?: boolean;
}

/**
 * libchdb's parameter set/reset is not isolated between connections (see chdb's index.js:
 * concurrent bound queries clobber each other and can abort the engine), so every bound
 * query in the process runs one at a time through this chain.
 */
let paramChain: Promise<unknown> = Promise.resolve();

function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = paramChain.then(fn, fn);
  paramChain = run.catch(() => undefined);
  return run;
}

/** SQL string literal (ClickHouse escapes: backslash and single quote). */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Backtick-quoted identifier. */
export function sqlIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/**
 * A small pool of chdb connections on one data directory. Connections on the same path share
 * the engine and its data but each has its own settings and current database, so a request's
 * URL settings are applied with `SET` on a connection it holds alone and reset afterwards.
 */
export class ChdbEngine {
  private readonly native = loadNative();
  private readonly idle: Session[] = [];
  private readonly waiters: Array<(s: Session) => void> = [];
  private readonly all = new Set<Session>();
  private closed = false;
  /** Where payloads wait for `FROM INFILE` (emptied at start: leftovers are of a dead process). */
  private readonly scratch: string;

  constructor(
    private readonly path: string,
    private readonly size: number,
    /** `clickhouse local` arguments of every connection (`connectionArgs`). Default none. */
    private readonly args: readonly string[] = [],
  ) {
    this.scratch = `${path}-inserts`;
    rmSync(this.scratch, { recursive: true, force: true });
    mkdirSync(this.scratch, { recursive: true });
    for (let i = 0; i < size; i++) this.idle.push(this.open());
  }

  /** Runs one statement (no inline data) with optional bound parameters. */
  query(
    sql: string,
    format: string,
    params: Record<string, string> | undefined,
    ctx: StatementContext,
  ): Promise<EngineResult> {
    return this.withConnection(ctx, async (conn) => {
      const call = (): Promise<NativeResult> => this.native.QueryAsyncConnection(conn, sql, format, params);
      const r = params && Object.keys(params).length > 0 ? await exclusive(call) : await call();
      return {
        body: Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength),
        readRows: r.rowsRead,
        readBytes: r.bytesRead,
        writtenRows: 0,
        writtenBytes: 0,
        elapsedSeconds: r.elapsed,
      };
    });
  }

  /**
   * An INSERT with its data as bytes, never decoded in JS. `target` is `INSERT INTO t [(cols)]`,
   * `settings` a ` SETTINGS …` clause (leading space) or ''. chdb's raw insert reads the payload as the inline data
   * of a script, where a blank line ends the data and the rest would be parsed as SQL; payloads
   * that may hold one (`\n\n` in text, any binary format) go through a scratch file and
   * `FROM INFILE` instead, which reads the bytes as they are.
   */
  insert(
    target: string,
    settings: string,
    format: { canonical: string; lineDelimited: boolean; binary: boolean },
    data: Buffer,
    ctx: StatementContext,
  ): Promise<EngineResult> {
    const tail = `${settings} FORMAT ${format.canonical}`;
    if (format.binary || data.includes('\n\n')) return this.insertFromFile(target, tail, data, ctx);
    return this.withConnection(ctx, async (conn) => {
      const r = await this.native.InsertRawAsyncConnection(
        conn,
        `${target}${tail}`,
        data,
        format.lineDelimited,
      );
      return {
        body: Buffer.alloc(0),
        readRows: r.rowsWritten,
        readBytes: data.length,
        writtenRows: r.rowsWritten,
        writtenBytes: r.bytesWritten,
        elapsedSeconds: r.elapsed,
      };
    });
  }

  private async insertFromFile(target: string, tail: string, data: Buffer, ctx: StatementContext) {
    const file = join(this.scratch, `${randomUUID()}.data`);
    await writeFile(file, data);
    try {
      const r = await this.query(
        `${target} FROM INFILE ${sqlString(file)}${tail}`,
        'TabSeparated',
        undefined,
        ctx,
      );
      return { ...r, writtenRows: r.readRows, writtenBytes: data.length };
    } finally {
      await rm(file, { force: true });
    }
  }

  /** Closes every connection. Callers wait for their in-flight statements first. */
  close(): void {
    this.closed = true;
    for (const s of this.all) s.close();
    this.all.clear();
    this.idle.length = 0;
  }

  private open(): Session {
    const s = new Session(this.path, this.args.length ? { connectionArgs: [...this.args] } : undefined);
    this.all.add(s);
    return s;
  }

  private async withConnection<T>(ctx: StatementContext, fn: (conn: unknown) => Promise<T>): Promise<T> {
    const session = await this.acquire();
    const dirty = ctx.settings.length > 0 || ctx.database !== undefined || ctx.readOnly === true;
    let healthy = true;
    try {
      if (ctx.settings.length > 0) {
        const assignments = ctx.settings.map(([k, v]) => `${k} = ${sqlString(v)}`).join(', ');
        await this.native.QueryAsyncConnection(session.connection, `SET ${assignments}`, 'TabSeparated');
      }
      if (ctx.database !== undefined)
        await this.native.QueryAsyncConnection(
          session.connection,
          `USE ${sqlIdentifier(ctx.database)}`,
          'TabSeparated',
        );
      // Last: at readonly=1 no further SET is accepted.
      if (ctx.readOnly)
        await this.native.QueryAsyncConnection(session.connection, 'SET readonly = 1', 'TabSeparated');
      return await fn(session.connection);
    } catch (err) {
      throw EngineError.from(err);
    } finally {
      if (dirty) healthy = await this.reset(session, ctx);
      this.release(session, healthy);
    }
  }

  /** Puts a connection back to defaults; false when that failed and it should be replaced. */
  private async reset(session: Session, ctx: StatementContext): Promise<boolean> {
    try {
      // First: the other resets are refused while readonly=1 holds.
      if (ctx.readOnly)
        await this.native.QueryAsyncConnection(session.connection, 'SET readonly = DEFAULT', 'TabSeparated');
      if (ctx.settings.length > 0) {
        const names = ctx.settings.map(([k]) => `${k} = DEFAULT`).join(', ');
        await this.native.QueryAsyncConnection(session.connection, `SET ${names}`, 'TabSeparated');
      }
      if (ctx.database !== undefined)
        await this.native.QueryAsyncConnection(session.connection, 'USE default', 'TabSeparated');
      return true;
    } catch {
      return false;
    }
  }

  private acquire(): Promise<Session> {
    if (this.closed)
      return Promise.reject(new EngineError(210, 'NETWORK_ERROR', 'embedded ClickHouse is shutting down'));
    const s = this.idle.pop();
    if (s) return Promise.resolve(s);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(session: Session, healthy: boolean): void {
    let next = session;
    if (!healthy) {
      session.close();
      this.all.delete(session);
      if (this.closed) return;
      next = this.open();
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(next);
    else if (!this.closed) this.idle.push(next);
  }
}
