import { connect, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../core/redis-client.ts';
import { startTestRedis } from './helpers/redis.ts';

// A Redis that accepts and never answers — a proxy that wedged, a path that silently drops
// packets after a failover — must not hold a role's commands until TCP gives up (about 15
// minutes on Linux): with `redis.socket_timeout` the connection is dropped, made again, and the
// waiting command sent again. The network between the client and a real redis-server is the
// fake here: a TCP proxy that, on `freeze()`, stops passing bytes on the connections it has
// (new connections go through, as after a failover).

interface BlackHole {
  url: string;
  /** Connections the proxy accepted so far. */
  connections(): number;
  freeze(): void;
  close(): Promise<void>;
}

async function blackHoleProxy(redisUrl: string): Promise<BlackHole> {
  const target = new URL(redisUrl);
  const open = new Set<{ frozen: boolean; sockets: Socket[] }>();
  let accepted = 0;
  const server: Server = createServer((client) => {
    accepted++;
    const upstream = connect(Number(target.port), target.hostname);
    const conn = { frozen: false, sockets: [client, upstream] };
    open.add(conn);
    client.on('data', (d) => void (conn.frozen || upstream.write(d)));
    upstream.on('data', (d) => void (conn.frozen || client.write(d)));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(conn);
    };
    for (const s of conn.sockets) s.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = new URL(redisUrl);
  url.port = String(port);
  return {
    url: url.toString(),
    connections: () => accepted,
    freeze: () => {
      for (const c of open) c.frozen = true;
    },
    close: async () => {
      for (const c of open) for (const s of c.sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let redis: Awaited<ReturnType<typeof startTestRedis>>;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.shutdown();
});

describe('redis.socket_timeout', () => {
  it('a connection that stops answering is dropped and made again; the waiting command completes', async () => {
    const proxy = await blackHoleProxy(redis.url);
    const client = createRedisClient({ url: proxy.url, socket_timeout: 1000 }, { maxRetriesPerRequest: 3 });
    client.on('error', () => undefined);
    try {
      await client.set('assay-test:k', 'v1');
      expect(proxy.connections()).toBe(1);
      proxy.freeze();
      const t0 = Date.now();
      await expect(client.get('assay-test:k')).resolves.toBe('v1');
      const waited = Date.now() - t0;
      // Answered over a second connection, about a socket timeout (1 s) after the freeze.
      expect(proxy.connections()).toBe(2);
      expect(waited).toBeGreaterThanOrEqual(900);
      expect(waited).toBeLessThan(15_000);
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });

  it('without it (a bare ioredis client) the same command is still waiting seconds later', async () => {
    const proxy = await blackHoleProxy(redis.url);
    const bare = new Redis(proxy.url, { maxRetriesPerRequest: 3 });
    bare.on('error', () => undefined);
    try {
      await bare.set('assay-test:k', 'v1');
      proxy.freeze();
      let settled = false;
      const pending = bare.get('assay-test:k').finally(() => (settled = true));
      pending.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 3000));
      expect(settled).toBe(false);
      expect(proxy.connections()).toBe(1);
    } finally {
      bare.disconnect();
      await proxy.close();
    }
  });
});
