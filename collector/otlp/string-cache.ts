/**
 * A small direct-mapped cache from UTF-8 bytes to strings, for the short strings that repeat in
 * every OTLP batch (attribute keys, span names, enum-like values such as `POST` or `openai`).
 * A hit skips the UTF-8 decode and returns the same (already internalised) string, which also
 * makes the attribute-object stores that follow cheaper. Bounded (SLOTS entries, each at most
 * MAX_LEN bytes); a miss replaces its slot, so ever-changing values cannot pin memory or evict
 * for long the keys that keep coming back.
 */
const SLOTS = 4096;
/** Longer strings are rarely repeated verbatim and cost more to hash than to decode. */
export const MAX_CACHED_LEN = 48;

const slotBytes: (Buffer | undefined)[] = new Array<Buffer | undefined>(SLOTS).fill(undefined);
const slotStrings: string[] = new Array<string>(SLOTS).fill('');

/** `buf.toString('utf8', start, end)`, served from the cache when the same bytes were seen. */
export function cachedUtf8(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len === 0) return '';
  if (len > MAX_CACHED_LEN) return buf.toString('utf8', start, end);
  let h = len;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 16777619);
  const slot = (h >>> 0) & (SLOTS - 1);
  const known = slotBytes[slot];
  if (known !== undefined && known.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (known[i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return slotStrings[slot] as string;
  }
  const str = buf.toString('utf8', start, end);
  // Copy: the request body is released after decoding and must not be retained by the cache.
  slotBytes[slot] = Buffer.from(buf.subarray(start, end));
  slotStrings[slot] = str;
  return str;
}
