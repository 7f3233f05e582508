import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Bearer-token check for OTLP requests. Keys are compared as SHA-256 digests with
 * `timingSafeEqual` (equal lengths, constant time) and every key is compared, so timing says
 * nothing about which key nearly matched. No keys configured = open.
 */
export function createBearerCheck(
  apiKeys: readonly string[],
): (authorization: string | undefined) => boolean {
  if (apiKeys.length === 0) return () => true;
  const keys = apiKeys.map(digest);
  return (authorization) => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match?.[1]) return false;
    const given = digest(match[1]);
    let ok = false;
    for (const key of keys) ok = timingSafeEqual(key, given) || ok;
    return ok;
  };
}
