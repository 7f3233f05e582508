import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { sleep } from './retry.ts';

/** How one `redis-server` child is started; the supervisor starts every incarnation the same way. */
export interface RedisChildSpec {
  host: string;
  port: number;
  dataDir: string;
  /** `requirepass`: generated per Assay start, so only our own child can answer our readiness ping. */
  password: string;
  persist: boolean;
}

/** A started child, not yet known to be serving. */
export interface RedisChild {
  spec: RedisChildSpec;
  process: ChildProcess;
  /** Resolves when the child exits (for whatever reason). */
  exited: Promise<void>;
  /** stdout + stderr so far (redis logs bind errors there). */
  output(): string;
}

/** `redis-server` arguments: no config file, everything on the command line. */
export function redisArgs(spec: RedisChildSpec): string[] {
  return [
    '--port',
    String(spec.port),
    '--bind',
    spec.host,
    '--dir',
    spec.dataDir,
    '--requirepass',
    spec.password,
    '--maxmemory-policy',
    'noeviction',
    '--save',
    '',
    '--daemonize',
    'no',
    '--appendonly',
    spec.persist ? 'yes' : 'no',
    '--appendfsync',
    'everysec',
    '--loglevel',
    'warning',
  ];
}

let pdeathsig: boolean | undefined;

/**
 * Whether `setpriv --pdeathsig` (util-linux) is available: it sets the Linux parent-death
 * signal (prctl PR_SET_PDEATHSIG, which Node cannot call) and then execs redis-server, so the
 * kernel sends the child SIGTERM when Assay dies, even by SIGKILL. Elsewhere the pidfile check
 * at the next start stops such an orphan instead.
 */
function canSetPdeathsig(): boolean {
  if (pdeathsig === undefined) {
    if (process.platform !== 'linux') pdeathsig = false;
    else {
      const r = spawnSync('setpriv', ['--help'], { encoding: 'utf8', timeout: 2000 });
      pdeathsig = r.status === 0 && r.stdout.includes('--pdeathsig');
    }
  }
  return pdeathsig;
}

/** Spawns `redis-server` (through `setpriv --pdeathsig TERM` where available). */
export function spawnRedisChild(spec: RedisChildSpec): RedisChild {
  const args = redisArgs(spec);
  const [cmd, argv] = canSetPdeathsig()
    ? ['setpriv', ['--pdeathsig', 'TERM', '--', 'redis-server', ...args]]
    : ['redis-server', args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer): void => {
    if (out.length < 8192) out += d.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // 'error' (ENOENT) is followed by no 'exit' when spawning fails; the caller races it.
  child.once('error', () => undefined);
  return { spec, process: child, exited, output: () => out };
}

/**
 * AUTH with our password, then PING: true only when the server at host:port is one started with
 * that password. A foreign Redis on the same port answers `-ERR`/`-WRONGPASS`, never `+OK +PONG`.
 */
export function authPing(host: string, port: number, password: string, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let buf = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs);
    socket.once('connect', () =>
      socket.write(
        `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n*1\r\n$4\r\nPING\r\n`,
      ),
    );
    socket.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.startsWith('-')) return finish(false);
      if (buf.includes('\r\n', buf.indexOf('\r\n') + 2)) finish(buf === '+OK\r\n+PONG\r\n');
    });
    socket.once('error', () => finish(false));
    socket.once('timeout', () => finish(false));
  });
}

/** Polls `authPing` until it succeeds, the deadline passes, or `stop` resolves. */
export async function waitForAuthPing(
  spec: Pick<RedisChildSpec, 'host' | 'port' | 'password'>,
  timeoutMs: number,
  stop: Promise<unknown>,
): Promise<boolean> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  const deadline = Date.now() + timeoutMs;
  while (!stopped && Date.now() < deadline) {
    if (await authPing(spec.host, spec.port, spec.password)) return !stopped;
    await sleep(50);
  }
  return false;
}
