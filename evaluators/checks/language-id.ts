/**
 * Language identification for `language_match`: fastText's lid.176 model (176 languages,
 * trained on Wikipedia, Tatoeba and SETimes; CC-BY-SA 3.0) run as WebAssembly from the
 * `fasttext.wasm.js` package, which ships the 917 KB compressed model — nothing is downloaded.
 * Chosen over franc, eld, tinyld and cld3 by `npm run bench:quality` (accuracy on short texts
 * and speed; see bench/RESULTS.md). The model loads once per process, at import (top-level
 * await: checks are synchronous, prediction is too once the model is in memory).
 */
import { getLIDModel } from 'fasttext.wasm.js';
import type { LanguageGuess, LanguageIdentifier } from './types.ts';

interface PredictionVector {
  size(): number;
  get(i: number): [number, string];
  delete?: () => void;
}

interface FastTextPredictor {
  predict(text: string, k: number, threshold: number): PredictionVector;
}

const LABEL = '__label__';

/** fastText's labels are Wikipedia codes; the few that are not ISO 639-1 are mapped. */
const WIKI_TO_ISO: Readonly<Record<string, string>> = { nds: 'de', als: 'de', bar: 'de', sh: 'sr' };

/** Loads lid.176 and wraps it as a synchronous {@link LanguageIdentifier}. */
export async function loadFastTextIdentifier(): Promise<LanguageIdentifier> {
  const model = await getLIDModel();
  const predictor = (await model.load()) as unknown as FastTextPredictor;
  return {
    identify(text, top) {
      // fastText reads one line: newlines would end the text early.
      const vector = predictor.predict(text.replace(/[\r\n]+/g, ' '), top, 0);
      const out: LanguageGuess[] = [];
      try {
        for (let i = 0; i < vector.size(); i++) {
          const [probability, label] = vector.get(i);
          const code = label.startsWith(LABEL) ? label.slice(LABEL.length) : label;
          out.push({ lang: WIKI_TO_ISO[code] ?? code, probability });
        }
      } finally {
        // Emscripten vectors live on the wasm heap until deleted.
        vector.delete?.();
      }
      return out;
    },
  };
}

/** The process-wide identifier, loaded once. */
export const languageIdentifier: LanguageIdentifier = await loadFastTextIdentifier();
