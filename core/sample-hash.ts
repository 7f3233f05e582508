/**
 * Deterministic uniform draw in [0, 1) from a key (a trace id) and a salt.
 *
 * Why a hash and not the trace id's own bits (as OTel's TraceIdRatioBased sampler does):
 * not every producer fills trace ids with random bits — AWS X-Ray ids start with a timestamp,
 * test fixtures and some legacy bridges use sequential ids — and a salt gives independent draws
 * for independent decisions (queue vs judge vs each judge rubric) from the same trace id. The
 * hash is FNV-1a over the salt and the key followed by murmur3's 32-bit finaliser, so flipping
 * one input character changes about half the output bits. Pure arithmetic on the string: every
 * replica, in any language, computes the same value, and a trace is always in or out.
 */
export function unitHash(key: string, salt = ''): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0x3a, 0x01000193); // separator so ('ab','c') and ('a','bc') differ
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/** True when the key falls inside probability `p` (p ≥ 1 always, p ≤ 0 never). */
export function inSample(key: string, p: number, salt = ''): boolean {
  if (p >= 1) return true;
  if (p <= 0) return false;
  return unitHash(key, salt) < p;
}

/** Salt of the sampler's judge decision (independent of the queue decision). */
export const JUDGE_SALT = 'assay-judge';
