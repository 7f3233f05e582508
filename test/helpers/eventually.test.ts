import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { eventually, readUntil } from './eventually.ts';

describe('eventually', () => {
  it('returns the first value a check gives', async () => {
    let n = 0;
    await expect(eventually(async () => (++n >= 3 ? n : undefined), 5_000)).resolves.toBe(3);
  });

  it('gives up at its deadline when a probe hangs (a server that accepts and never answers)', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => sockets.add(socket)); // accepts, never writes
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await expect(
        eventually(() => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status), 1_000),
      ).rejects.toThrow(/condition not met within 1000 ms: an attempt did not settle/);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});

describe('readUntil', () => {
  it('returns the first value that is done', async () => {
    let n = 0;
    await expect(
      readUntil(
        async () => ++n,
        (v) => v >= 3,
        5_000,
      ),
    ).resolves.toBe(3);
  });

  it('returns the last value read at its deadline instead of throwing', async () => {
    let n = 0;
    const last = await readUntil(
      async () => ++n,
      () => false,
      300,
    );
    expect(last).toBeGreaterThan(1);
    expect(last).toBe(n);
  });
});
