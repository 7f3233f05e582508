/**
 * Language identification for `language_match`: fastText's lid.176 model (176 languages,
 * trained on Wikipedia, Tatoeba and SETimes; CC-BY-SA 3.0), the 917 KB compressed model that the
 * `fasttext.wasm.js` package ships — nothing is downloaded. Chosen over franc, eld, tinyld and
 * cld3 by `npm run bench:quality` (accuracy on short texts and speed; see bench/RESULTS.md).
 *
 * Checks run {@link languageIdentifier}: the model read once per process, at import, and run by
 * Assay's own inference (`fasttext-lid.ts`), which gives the package's WebAssembly `predict`'s
 * answers at a fraction of its cost per call. {@link loadFastTextWasmIdentifier} is that
 * WebAssembly predictor, kept as the reference the inference is tested and benchmarked against.
 */
import { createRequire } from 'node:module';
import { getLIDModel } from 'fasttext.wasm.js';
import { fastTextIdentifier, loadFastTextModel } from './fasttext-lid.ts';
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

/** fastText reads one line: newlines would end the text early. */
const oneLine = (text: string): string => text.replace(/[\r\n]+/g, ' ');

/** The lid.176 model file inside the `fasttext.wasm.js` package. */
export const LID_MODEL_FILE = createRequire(import.meta.url).resolve(
  'fasttext.wasm.js/dist/models/language-identification/assets/lid.176.ftz',
);

/** lid.176 run by Assay's inference: synchronous, loaded in about 40 ms. */
export function loadLanguageIdentifier(file: string = LID_MODEL_FILE): LanguageIdentifier {
  const model = fastTextIdentifier(loadFastTextModel(file));
  return {
    identify(text, top) {
      return model
        .identify(oneLine(text), top)
        .map((g) => ({ lang: WIKI_TO_ISO[g.lang] ?? g.lang, probability: g.probability }));
    },
  };
}

/** lid.176 run by the package's WebAssembly build of fastText. */
export async function loadFastTextWasmIdentifier(): Promise<LanguageIdentifier> {
  const model = await getLIDModel();
  const predictor = (await model.load()) as unknown as FastTextPredictor;
  return {
    identify(text, top) {
      const vector = predictor.predict(oneLine(text), top, 0);
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

/** The process's identifier (one model in memory for every check). */
export const languageIdentifier: LanguageIdentifier = loadLanguageIdentifier();
