import { describe, expect, it } from 'vitest';
import { loadDatasets } from '../../bench/quality/dataset.ts';
import { languageIdentifier, loadFastTextWasmIdentifier } from './language-id.ts';
import type { LanguageGuess } from './types.ts';

/**
 * The same answer up to float32 rounding (the wasm computes in float32, this in float64): the
 * same top language, the same probabilities in order, and each language's probability the same
 * — labels whose probabilities differ by less than the rounding may swap places, and guesses at
 * fastText's floor (probability 1e-5, where the walk stops) may be cut on one side only.
 */
function expectSameGuesses(all: LanguageGuess[], allWanted: LanguageGuess[], text: string): void {
  // Guesses are compared down to 2e-5; one within float32 rounding of that line (wuu at 2.0009e-5
  // in the wasm, 1.9993e-5 here) may be kept on one side only.
  const line = 2e-5;
  const rounding = 1e-7;
  const above = (xs: LanguageGuess[], at: number) => xs.filter((g) => g.probability >= at).length;
  const n = Math.min(above(all, line), above(allWanted, line));
  expect(n, text).toBeGreaterThanOrEqual(
    Math.max(above(all, line + rounding), above(allWanted, line + rounding)),
  );
  const got = all.slice(0, n);
  const want = allWanted.slice(0, n);
  if (want.length === 0) return;
  expect(got[0]?.lang, text).toBe(want[0]?.lang);
  got.forEach((g, i) => {
    expect(Math.abs(g.probability - (want[i]?.probability ?? 0)), text).toBeLessThan(1e-5);
    if (g.lang === want[i]?.lang) return;
    // A swap: the language is elsewhere in the wanted list, at the same probability.
    const swapped = want.some((w) => w.lang === g.lang && Math.abs(w.probability - g.probability) < 1e-5);
    expect(swapped, `${text}: ${g.lang} at ${i}`).toBe(true);
  });
}

// Questions and answers of every dataset of bench/quality (every split: this is not tuning),
// cut as language_match reads them.
const texts: string[] = [];
for (const items of loadDatasets().values())
  for (const item of items) {
    texts.push(item.response.slice(0, 200));
    if (item.question) texts.push(item.question.slice(0, 200));
  }
const sample = texts.filter((_, i) => i % 4 === 0);

describe('languageIdentifier (Assay inference of lid.176)', () => {
  it('answers what the WebAssembly build of fastText answers, on real texts in every language', async () => {
    const wasm = await loadFastTextWasmIdentifier();
    let compared = 0;
    for (const text of sample) {
      const want = wasm.identify(text, 3);
      const got = languageIdentifier.identify(text, 3);
      expectSameGuesses(got, want, text);
      compared++;
    }
    expect(compared).toBeGreaterThan(4000);
    expect(new Set(sample.map((t) => languageIdentifier.identify(t, 1)[0]?.lang)).size).toBeGreaterThan(15);
  });

  it.each([
    ['empty', ''],
    ['spaces and line breaks', ' \n\r\t '],
    ['a label given as text', '__label__en __label__de'],
    ['lone surrogates', '\ud800 \udfff abc'],
    ['control characters', '\u0000\u0001 hello \u0007'],
    ['a long word', 'x'.repeat(5000)],
    ['an end-of-sentence word in the text', 'Merci beaucoup. </s> Thank you very much, see you soon'],
    ['an end-of-sentence word glued to a word', 'Merci beaucoup.</s> Thank you very much, see you soon'],
  ])('reads %s as fastText does', async (_name, text) => {
    const wasm = await loadFastTextWasmIdentifier();
    const want = wasm.identify(text, 3);
    expectSameGuesses(languageIdentifier.identify(text, 3), want, text);
  });
});
