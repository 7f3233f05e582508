import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A user of the embedded server and its password. */
export interface Credentials {
  username: string;
  password: string;
}

/** Files under `data_dir` holding the generated passwords (mode 0600). */
export const ADMIN_PASSWORD_FILE = 'clickhouse.password';
export const READER_PASSWORD_FILE = 'clickhouse-reader.password';

/** Reads a password file; undefined when it does not exist. */
export function readPasswordFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The password kept in `path`, generated (24 random bytes, base64url) and written with mode
 * 0600 on first use. The file is created exclusively, so two processes starting at once agree
 * on one password: the loser of the race reads the winner's.
 */
export function ensurePasswordFile(path: string): string {
  const existing = readPasswordFile(path);
  if (existing) return existing;
  mkdirSync(dirname(path), { recursive: true });
  const password = randomBytes(24).toString('base64url');
  try {
    writeFileSync(path, `${password}\n`, { mode: 0o600, flag: 'wx' });
    return password;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readPasswordFile(path) ?? password;
  }
}

/** The configured password, or the one generated under `dataDir` into `file`. */
export function embeddedPassword(configured: string, dataDir: string, file: string): string {
  return configured !== '' ? configured : ensurePasswordFile(join(dataDir, file));
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * The password a role sends to `url`: the configured one, else, for a server on this machine,
 * the one an embedded server generated under the same `data_dir` (`assay clickhouse` and the
 * roles as separate processes), else empty.
 */
export function clientPassword(configured: string, url: string, dataDir: string): string {
  if (configured !== '') return configured;
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return configured;
  }
  if (!LOOPBACK.has(host)) return configured;
  return readPasswordFile(join(dataDir, ADMIN_PASSWORD_FILE)) ?? configured;
}
