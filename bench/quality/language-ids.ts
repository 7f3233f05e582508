/**
 * The language identifiers compared for `language_match`, each behind the same synchronous
 * interface and answering ISO 639-1 codes. Only fastText (evaluators/checks/language-id.ts) ships
 * in Assay, run by Assay's own inference; the package's WebAssembly build of the same model is
 * here as its reference, the others are dev dependencies, all measured side by side.
 */
import { loadModule } from 'cld3-asm';
import { eld } from 'eld/large';
import { francAll } from 'franc';
import * as tinyld from 'tinyld';
import { ISO3_TO_ISO1 } from '../../evaluators/checks/language-codes.ts';
import { languageIdentifier, loadFastTextWasmIdentifier } from '../../evaluators/checks/language-id.ts';
import type { LanguageIdentifier } from '../../evaluators/checks/types.ts';

// franc answers ISO 639-3: the codes Assay maps for its own config serve here too.
const ISO3_TO_1 = ISO3_TO_ISO1;

/** franc restricted to the 31 languages Assay's language_match v1 chose among (its default). */
const FRANC_ONLY = (
  'eng deu fra spa por ita nld pol ces slk swe dan nob fin hun ron ell tur rus ukr bul ' +
  'arb heb pes hin ben jpn cmn kor vie tha ind'
).split(' ');

export interface NamedIdentifier {
  name: string;
  package: string;
  identifier: LanguageIdentifier;
}

function francIdentifier(only: string[] | undefined): LanguageIdentifier {
  return {
    identify(text, top) {
      return francAll(text, only ? { only, minLength: 1 } : { minLength: 1 })
        .slice(0, top)
        .map(([code, score]) => ({ lang: ISO3_TO_1[code] ?? code, probability: score }));
    },
  };
}

/** Every candidate, loaded. */
export async function loadIdentifiers(): Promise<NamedIdentifier[]> {
  const cldFactory = await loadModule();
  const cld = cldFactory.create(0, 1000);
  return [
    {
      name: "fastText lid.176, Assay's inference (shipped)",
      package: 'fasttext.wasm.js@1.0.0 (model file)',
      identifier: languageIdentifier,
    },
    {
      name: 'fastText lid.176, WebAssembly',
      package: 'fasttext.wasm.js@1.0.0',
      identifier: await loadFastTextWasmIdentifier(),
    },
    {
      name: 'eld (large)',
      package: 'eld@2.1.0',
      identifier: {
        identify(text, top) {
          const r = eld.detect(text);
          const scores = Object.entries(r.getScores()).sort((a, b) => b[1] - a[1]);
          if (scores.length === 0) return [];
          return scores.slice(0, top).map(([lang, p]) => ({ lang, probability: p }));
        },
      },
    },
    {
      name: 'cld3',
      package: 'cld3-asm@4.0.0',
      identifier: {
        identify(text) {
          const r = cld.findLanguage(text);
          const lang = String(r.language);
          return lang === 'und' ? [] : [{ lang: lang === 'iw' ? 'he' : lang, probability: r.probability }];
        },
      },
    },
    {
      name: 'tinyld',
      package: 'tinyld@1.3.4',
      identifier: {
        identify(text, top) {
          return tinyld
            .detectAll(text)
            .slice(0, top)
            .map((r) => ({ lang: r.lang, probability: r.accuracy }));
        },
      },
    },
    {
      name: 'franc (31 languages, as shipped)',
      package: 'franc@6.2.0',
      identifier: francIdentifier(FRANC_ONLY),
    },
    { name: 'franc (all 187)', package: 'franc@6.2.0', identifier: francIdentifier(undefined) },
  ];
}
