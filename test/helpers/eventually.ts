/**
 * Polls until `check` returns a value (not undefined) or the timeout passes. An attempt that does
 * not settle (a request to a server that accepted and never answers) counts against the same
 * deadline: it is abandoned when the time is up, so a hung probe cannot hang the test.
 */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const left = Math.max(0, deadline - Date.now());
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`an attempt did not settle within ${left} ms`)), left);
    });
    try {
      const v = await Promise.race([check(), hung]);
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() >= deadline)
      throw new Error(
        `condition not met within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Reads until `done(value)` or the timeout passes, and returns the last value read either way,
 * for an exact assertion that shows the real figure when it is wrong. For a rollup fed by a
 * materialised view: an insert's table part is visible a moment before its view's part, so a
 * rollup read right after the table's count reached its total can still miss that insert.
 */
export async function readUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** {@link readUntil} for a count or sum expected to reach `target` (a rollup catching up). */
export function readUntilAtLeast(
  read: () => Promise<number | undefined>,
  target: number,
  timeoutMs = 15_000,
): Promise<number | undefined> {
  return readUntil(read, (n) => (n ?? 0) >= target, timeoutMs);
}
