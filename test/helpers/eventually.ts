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
