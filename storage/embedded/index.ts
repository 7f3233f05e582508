import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { drainPending } from 'chdb';
import { applyHttpLimits, httpServerOptions } from '../../core/http-limits.ts';
import type { Logger } from '../../core/logger.ts';
import { clickhouseConfigSchema, type EmbeddedClickhouseConfig } from '../config.ts';
import {
  ADMIN_PASSWORD_FILE,
  embeddedPassword,
  READER_PASSWORD_FILE,
  type Credentials,
} from './credentials.ts';
import { ChdbEngine } from './engine.ts';
import { deniedNames } from './guard.ts';
import { createHandler } from './handler.ts';

export type { Credentials } from './credentials.ts';

export interface EmbeddedClickhouseOptions {
  /** Assay's data directory; the engine keeps its files under `<dataDir>/clickhouse`. */
  dataDir: string;
  /** Address to bind, e.g. 127.0.0.1. */
  host: string;
  /** Port to bind; 0 picks a free one (read it back from `port`). */
  port: number;
  logger: Logger;
  /** chdb connections serving requests in parallel. Default 4. */
  connections?: number;
  /** The user Assay's roles connect as (`clickhouse.username`). Default `default`. */
  username?: string;
  /** Its password (`clickhouse.password`); empty or absent → generated under `dataDir`. */
  password?: string;
  /** `clickhouse.embedded` (read-only user, origins, body caps, timeouts). Default: its defaults. */
  config?: EmbeddedClickhouseConfig;
  /**
   * Extra `clickhouse local` arguments for the engine, fixed at its first connection (tests give
   * a `--config-file` that defines a cluster for `Distributed` tables). Default none.
   */
  engineArgs?: readonly string[];
}

/** A running embedded ClickHouse: the chdb engine behind ClickHouse's HTTP interface. */
export interface EmbeddedClickhouse {
  /** Base URL for `@clickhouse/client`, e.g. `http://127.0.0.1:8123`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** The user with every right Assay's roles need (no file, URL or remote access). */
  admin: Credentials;
  /** The read-only user for dashboards and people. */
  reader: Credentials;
  /** Stops accepting, waits for running statements, closes the engine. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Opens a chdb session on `<dataDir>/clickhouse` and serves the ClickHouse HTTP interface on
 * host:port, so all of Assay (and curl, and Grafana) talks to it like to any ClickHouse.
 */
export async function startEmbeddedClickhouse(opts: EmbeddedClickhouseOptions): Promise<EmbeddedClickhouse> {
  const path = join(opts.dataDir, 'clickhouse');
  mkdirSync(path, { recursive: true });
  const cfg = opts.config ?? clickhouseConfigSchema.parse({}).embedded;
  const admin = {
    username: opts.username ?? 'default',
    password: embeddedPassword(opts.password ?? '', opts.dataDir, ADMIN_PASSWORD_FILE),
  };
  const reader = {
    username: cfg.readonly_user,
    password: embeddedPassword(cfg.readonly_password, opts.dataDir, READER_PASSWORD_FILE),
  };
  if (admin.username === reader.username)
    throw new Error(
      `clickhouse.embedded.readonly_user must differ from clickhouse.username (${admin.username})`,
    );
  const engine = new ChdbEngine(path, opts.connections ?? 4, opts.engineArgs);
  const text = async (sql: string) =>
    (await engine.query(sql, 'TabSeparated', undefined, { settings: [] })).body.toString('utf8').trim();
  const names = async (table: string) => (await text(`SELECT name FROM system.${table}`)).split('\n');
  const version = await text('SELECT version()');
  // Every table function, engine and dictionary source this chdb has that guard.ts does not
  // know to be safe is refused, so an upgrade that adds one does not open a door.
  const denied = deniedNames(
    await names('table_functions'),
    await names('table_engines'),
    await names('dictionary_sources'),
  );
  const handle = createHandler(engine, version, {
    users: [
      { ...admin, readOnly: false },
      { ...reader, readOnly: true },
    ],
    denied,
    allowedOrigins: cfg.allowed_origins,
    maxBodyBytes: cfg.max_body_bytes,
    maxDecompressedBytes: cfg.max_decompressed_bytes,
  });
  const inflight = new Set<Promise<void>>();
  // Clients keep idle sockets for less than keep_alive_timeout (`idle_socket_ttl` 2.5 s in
  // storage/client.ts), so a request never lands on a socket the server is closing.
  const server = createServer(httpServerOptions(cfg.http), (req, res) => {
    const p = handle(req, res).catch((err: unknown) => {
      opts.logger.error({ err }, 'embedded ClickHouse request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  });
  applyHttpLimits(server, cfg.http);
  try {
    await listen(server, opts.host, opts.port);
  } catch (err) {
    engine.close();
    await drainPending();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  if (!isLoopback(opts.host))
    opts.logger.warn(
      { host: opts.host },
      'embedded ClickHouse listens beyond loopback (clickhouse.embedded.host); only its passwords protect it',
    );
  opts.logger.debug({ url, path, version }, 'embedded ClickHouse listening');

  let closing: Promise<void> | undefined;
  const shutdown = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
    server.closeAllConnections();
    await closed;
    engine.close();
    // A later start in this process (same or other data dir) must find the engine released.
    await drainPending();
  };
  return { url, port, admin, reader, shutdown: () => (closing ??= shutdown()) };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
