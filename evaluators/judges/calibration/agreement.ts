/** Agreement of two binary raters over the same items. */
export interface Agreement {
  n: number;
  /** Share of items both call the same (pass/pass or fail/fail). */
  raw: number;
  /**
   * Cohen's kappa, (raw − chance) / (1 − chance), chance from each rater's own pass share: 1
   * perfect, 0 chance level, negative worse than chance. Undefined (null) when chance is 1 —
   * both raters gave one and the same verdict to every item — or there are no items.
   */
  kappa: number | null;
}

/** Cohen (1960) for two categories; `pairs` are (rater A passed, rater B passed). */
export function agreementOf(pairs: ReadonlyArray<readonly [boolean, boolean]>): Agreement {
  const n = pairs.length;
  if (n === 0) return { n: 0, raw: NaN, kappa: null };
  let same = 0;
  let a = 0;
  let b = 0;
  for (const [x, y] of pairs) {
    if (x === y) same++;
    if (x) a++;
    if (y) b++;
  }
  const raw = same / n;
  const pa = a / n;
  const pb = b / n;
  const chance = pa * pb + (1 - pa) * (1 - pb);
  return { n, raw, kappa: chance >= 1 ? null : (raw - chance) / (1 - chance) };
}
