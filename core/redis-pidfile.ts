import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './retry.ts';

/** The child's pid, kept in its data directory so the next start can find an orphan. */
export const REDIS_PIDFILE = 'assay-redis.pid';

export function writePidfile(dataDir: string, pid: number, port: number): void {
  writeFileSync(join(dataDir, REDIS_PIDFILE), `${pid} ${port}\n`, { mode: 0o600 });
}

export function removePidfile(dataDir: string, pid: number): void {
  if (readPid(dataDir)?.pid === pid) rmSync(join(dataDir, REDIS_PIDFILE), { force: true });
}

function readPid(dataDir: string): { pid: number; port: number | undefined } | undefined {
  try {
    const [pid, port] = readFileSync(join(dataDir, REDIS_PIDFILE), 'utf8').trim().split(' ').map(Number);
    if (pid === undefined || !Number.isInteger(pid) || pid <= 1) return undefined;
    return { pid, port: Number.isInteger(port) ? port : undefined };
  } catch {
    return undefined;
  }
}

/**
 * Is `pid` a redis-server working in `dataDir`? redis-server rewrites its command line (the
 * process title shows only its address), but it chdir()s into `--dir`: on Linux its cwd says
 * which data directory it serves. Without procfs (macOS) the title must name redis-server and
 * the port recorded with the pid.
 */
function isOurRedis(pid: number, dataDir: string, port: number | undefined): boolean {
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return comm.startsWith('redis-server') && readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dataDir);
  } catch {
    // No procfs, or the process is gone.
  }
  try {
    const title = execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
    return title.includes('redis-server') && port !== undefined && title.includes(`:${port}`);
  } catch {
    return false;
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Stops a `redis-server` left running by an earlier Assay on this data directory (the parent was
 * SIGKILLed where no parent-death signal could be set). Only a process that is redis-server AND
 * works in `dataDir` is stopped: a reused pid belongs to someone else. Returns the
 * pid stopped, if any. Never adopts it: the new start has a new password.
 */
export async function stopStaleChild(dataDir: string): Promise<number | undefined> {
  const recorded = readPid(dataDir);
  if (!recorded || recorded.pid === process.pid) return undefined;
  const { pid } = recorded;
  if (!isOurRedis(pid, dataDir, recorded.port)) {
    rmSync(join(dataDir, REDIS_PIDFILE), { force: true });
    return undefined;
  }
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; alive(pid) && waited < 5000; waited += 50) await sleep(50);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (let waited = 0; alive(pid) && waited < 2000; waited += 50) await sleep(50);
  rmSync(join(dataDir, REDIS_PIDFILE), { force: true });
  return pid;
}
