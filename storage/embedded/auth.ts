import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { EngineError } from './errors.ts';

/** A user the embedded server knows. */
export interface EmbeddedUser {
  username: string;
  password: string;
  /** Only reading statements, under readonly=1 (dashboards, people). */
  readOnly: boolean;
}

/** Who sent a request, once authenticated. */
export interface Principal {
  username: string;
  readOnly: boolean;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

const failed = (username: string, status: number): EngineError =>
  new EngineError(
    516,
    'AUTHENTICATION_FAILED',
    `${username}: Authentication failed: password is incorrect, or there is no user with such name`,
    status,
  );

/**
 * Authenticates a request the ways ClickHouse's HTTP interface accepts: `X-ClickHouse-User` /
 * `X-ClickHouse-Key` headers, HTTP basic auth, or `user` / `password` URL parameters (a missing
 * user is `default`, as in ClickHouse). Passwords are compared in constant time. Missing
 * credentials are answered 401, wrong ones 403, both with code 516 like ClickHouse.
 */
export function createAuthenticator(users: readonly EmbeddedUser[]) {
  const known = new Map(users.map((u) => [u.username, { hash: digest(u.password), readOnly: u.readOnly }]));
  return (headers: IncomingHttpHeaders, search: URLSearchParams): Principal => {
    const given = credentialsOf(headers, search);
    const username = given.username ?? 'default';
    const user = known.get(username);
    // Hash even for an unknown user, so timing does not tell which names exist.
    const match = timingSafeEqual(digest(given.password ?? ''), user?.hash ?? digest('\u0000unknown'));
    if (user && match && given.password !== undefined) return { username, readOnly: user.readOnly };
    throw failed(username, given.username === undefined && given.password === undefined ? 401 : 403);
  };
}

function credentialsOf(
  headers: IncomingHttpHeaders,
  search: URLSearchParams,
): { username?: string; password?: string } {
  const header = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const user = header('x-clickhouse-user');
  const key = header('x-clickhouse-key');
  if (user !== undefined || key !== undefined) return { username: user, password: key };
  const auth = header('authorization');
  const basic = auth === undefined ? undefined : /^Basic\s+(\S+)\s*$/i.exec(auth);
  if (basic?.[1]) {
    const text = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = text.indexOf(':');
    return colon < 0
      ? { username: text }
      : { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  const u = search.get('user') ?? undefined;
  const p = search.get('password') ?? undefined;
  return { username: u, password: p };
}
