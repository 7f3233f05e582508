/**
 * The language identifiers compared for `language_match`, each behind the same synchronous
 * interface and answering ISO 639-1 codes. Only fastText (evaluators/checks/language-id.ts) ships
 * in Assay; the others are dev dependencies, here to be measured side by side.
 */
import { loadModule } from 'cld3-asm';
import { eld } from 'eld/large';
import { francAll } from 'franc';
import * as tinyld from 'tinyld';
import { loadFastTextIdentifier } from '../../evaluators/checks/language-id.ts';
import type { LanguageIdentifier } from '../../evaluators/checks/types.ts';

// franc answers ISO 639-3; these are the codes the datasets use.
const ISO3_TO_1: Readonly<Record<string, string>> = {
  eng: 'en',
  deu: 'de',
  fra: 'fr',
  spa: 'es',
  por: 'pt',
  ita: 'it',
  nld: 'nl',
  pol: 'pl',
  ces: 'cs',
  slk: 'sk',
  swe: 'sv',
  dan: 'da',
  nob: 'no',
  nno: 'no',
  fin: 'fi',
  hun: 'hu',
  ron: 'ro',
  ell: 'el',
  tur: 'tr',
  rus: 'ru',
  ukr: 'uk',
  bul: 'bg',
  arb: 'ar',
  heb: 'he',
  pes: 'fa',
  hin: 'hi',
  ben: 'bn',
  jpn: 'ja',
  cmn: 'zh',
  kor: 'ko',
  vie: 'vi',
  tha: 'th',
  ind: 'id',
  zlm: 'ms',
  tgl: 'tl',
  cat: 'ca',
  hrv: 'hr',
  srp: 'sr',
  slv: 'sl',
  lit: 'lt',
  lav: 'lv',
  est: 'et',
  swh: 'sw',
  tam: 'ta',
  tel: 'te',
  urd: 'ur',
  mar: 'mr',
  guj: 'gu',
  kan: 'kn',
  mal: 'ml',
  pan: 'pa',
  afr: 'af',
  glg: 'gl',
  eus: 'eu',
};

/** franc restricted to the 31 languages Assay's language_match used (the setting it shipped with). */
const FRANC_ONLY = Object.keys(ISO3_TO_1).slice(0, 31);

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
      name: 'fastText lid.176',
      package: 'fasttext.wasm.js@1.0.0',
      identifier: await loadFastTextIdentifier(),
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
