/**
 * Benjamini–Hochberg step-up: which of `pValues` are discoveries at false-discovery rate `q`.
 * Sort ascending, find the largest rank i with p(i) ≤ i·q/m, reject every test up to it.
 * Under the global null this also bounds the chance of any rejection by `q` — what keeps
 * hundreds of stable series from paging someone every day.
 */
export function benjaminiHochberg(pValues: readonly number[], q: number): boolean[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  let cutoff = -1;
  order.forEach(({ p }, rank) => {
    if (p <= ((rank + 1) * q) / m) cutoff = rank;
  });
  const out = new Array<boolean>(m).fill(false);
  for (let r = 0; r <= cutoff; r++) out[(order[r] as { i: number }).i] = true;
  return out;
}

/** BH-adjusted p-values (q-values): the smallest FDR at which each test would be a discovery. */
export function bhAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => b.p - a.p);
  const out = new Array<number>(m).fill(1);
  let running = 1;
  order.forEach(({ p, i }, idx) => {
    const rank = m - idx;
    running = Math.min(running, (p * m) / rank);
    out[i] = Math.min(1, running);
  });
  return out;
}
