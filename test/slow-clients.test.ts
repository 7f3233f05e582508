import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpsServer, type OpsServer } from '../cli/ops-server.ts';
import { createReceiverServer } from '../collector/http/index.ts';
import type { HttpLimits } from '../core/http-limits.ts';
import { silentLogger } from '../core/logger.ts';
import { clickhouseConfigSchema } from '../storage/config.ts';
import { startEmbeddedClickhouse, type EmbeddedClickhouse } from '../storage/embedded/index.ts';

// Slow-loris against each server Assay opens: 200 sockets that send their request headers one
// byte per second are closed at the headers timeout, while a normal request is still answered.

const LIMITS: HttpLimits = {
  request_timeout: 4000,
  headers_timeout: 2000,
  keep_alive_timeout: 1000,
  max_connections: 400,
};
const SLOW = 200;

const dir = mkdtempSync(join(tmpdir(), 'assay-slow-'));
let collector: FastifyInstance;
let collectorUrl: string;
let ops: OpsServer;
let clickhouse: EmbeddedClickhouse;

beforeAll(async () => {
  collector = createReceiverServer({
    sink: { accept: async () => ({ ok: true, rejected: 0 }) } as never,
    config: { api_keys: [], max_body_bytes: 1024 ** 2, retry_after_seconds: 1, http: LIMITS },
    logger: silentLogger,
    isReady: () => true,
  });
  collectorUrl = await collector.listen({ host: '127.0.0.1', port: 0 });
  ops = await startOpsServer({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    isReady: () => true,
    http: LIMITS,
  });
  const embedded = clickhouseConfigSchema.parse({}).embedded;
  clickhouse = await startEmbeddedClickhouse({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    config: { ...embedded, http: LIMITS },
  });
});

afterAll(async () => {
  await collector?.close();
  await ops?.close();
  await clickhouse?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

/** A socket that writes a request's headers one byte per second, forever (or nothing at all). */
function slowClient(url: string, writes = true): { closedAfter: Promise<number>; socket: Socket } {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  const socket = connect(Number(port), hostname);
  const text = `GET /ping HTTP/1.1\r\nHost: ${hostname}\r\nX-Padding: ${'a'.repeat(1000)}`;
  let i = 0;
  const timer = setInterval(() => {
    if (writes && !socket.destroyed) socket.write(text[i++ % text.length] as string);
  }, 1000);
  const closedAfter = new Promise<number>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    }),
  );
  socket.on('error', () => undefined);
  return { closedAfter, socket };
}

describe.each([
  ['collector', () => `${collectorUrl}/healthz`],
  ['ops server', () => `${ops.url}/healthz`],
  ['embedded ClickHouse', () => `${clickhouse.url}/ping`],
])('%s', (_name, target) => {
  it('closes 200 slow-header connections at headers_timeout and keeps answering', async () => {
    const url = target();
    const slow = Array.from({ length: SLOW }, () => slowClient(url));
    // An idle socket that sends nothing at all is closed too.
    const silent = slowClient(url, false);
    await new Promise((r) => setTimeout(r, 500));
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const closed = await Promise.all([...slow, silent].map((s) => s.closedAfter));
    // headers_timeout (2 s) plus Node's check interval (500 ms) plus scheduling slack.
    expect(Math.max(...closed)).toBeLessThan(LIMITS.headers_timeout + 2500);
    expect(Math.min(...closed)).toBeGreaterThanOrEqual(LIMITS.headers_timeout - 200);
    expect((await fetch(url)).status).toBe(200);
  }, 20_000);
});
