import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where free ports are looked for when the kernel's ephemeral range is known, and how many are tried. */
const LOWEST = 10_000;
const TRIES = 20;

/**
 * Asks for a free TCP port on `host`; there is a race until the caller binds it.
 *
 * On Linux the port comes from below the kernel's ephemeral range (`ip_local_port_range`), as
 * HashiCorp's `freeport` does: outgoing connections and `listen(0)` take their ports from that
 * range, so on a busy machine a port picked there is soon someone's again, while a random port
 * below it stays free until another caller of this function picks the same one. Elsewhere, or
 * if no port below the range binds, the kernel picks (`listen(0)`).
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const ephemeralLow = ephemeralRangeLow();
  if (ephemeralLow !== undefined && ephemeralLow > LOWEST) {
    for (let i = 0; i < TRIES; i++) {
      const port = LOWEST + Math.floor(Math.random() * (ephemeralLow - LOWEST));
      if ((await tryListen(host, port)) !== undefined) return port;
    }
  }
  const port = await tryListen(host, 0);
  if (port === undefined) throw new Error(`no free TCP port on ${host}`);
  return port;
}

/** The lowest port of Linux's ephemeral range, or undefined where it cannot be read. */
function ephemeralRangeLow(): number | undefined {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : undefined;
  } catch {
    return undefined;
  }
}

/** Listens on `port` (0: any) and closes again; the port it got, or undefined if it is taken. */
function tryListen(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(undefined) : reject(err),
    );
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      const got = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(got));
    });
  });
}
