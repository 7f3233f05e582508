import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { drainPending } from 'chdb';
import type { Logger } from '../../core/logger.ts';
import { ChdbEngine } from './engine.ts';
import { createHandler } from './handler.ts';

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
}

/** A running embedded ClickHouse: the chdb engine behind ClickHouse's HTTP interface. */
export interface EmbeddedClickhouse {
  /** Base URL for `@clickhouse/client`, e.g. `http://127.0.0.1:8123`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** Stops accepting, waits for running statements, closes the engine. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Keep-alive timeout of the HTTP server, ms: ClickHouse's own default (10 s). Clients keep
 * idle sockets for less (`idle_socket_ttl` 2.5 s in storage/client.ts), so a request never
 * lands on a socket the server is closing.
 */
export const EMBEDDED_KEEP_ALIVE_MS = 10_000;

/**
 * Opens a chdb session on `<dataDir>/clickhouse` and serves the ClickHouse HTTP interface on
 * host:port, so all of Assay (and curl, and Grafana) talks to it like to any ClickHouse.
 */
export async function startEmbeddedClickhouse(opts: EmbeddedClickhouseOptions): Promise<EmbeddedClickhouse> {
  const path = join(opts.dataDir, 'clickhouse');
  mkdirSync(path, { recursive: true });
  const engine = new ChdbEngine(path, opts.connections ?? 4);
  const version = (await engine.query('SELECT version()', 'TabSeparated', undefined, { settings: [] })).body
    .toString('utf8')
    .trim();
  const handle = createHandler(engine, version);
  const inflight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const p = handle(req, res).catch((err: unknown) => {
      opts.logger.error({ err }, 'embedded ClickHouse request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  });
  server.keepAliveTimeout = EMBEDDED_KEEP_ALIVE_MS;
  try {
    await listen(server, opts.host, opts.port);
  } catch (err) {
    engine.close();
    await drainPending();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
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
  return { url, port, shutdown: () => (closing ??= shutdown()) };
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
