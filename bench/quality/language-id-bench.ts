/**
 * Side by side: accuracy of each language identifier on the texts of the labeled datasets whose
 * language the source states (questions and answers of one split, test unless told), by text length, and
 * the time per text. Prints a Markdown table; `bench:quality` runs it.
 */
import type { Item, Split } from './dataset.ts';
import { loadIdentifiers } from './language-ids.ts';

const BUCKETS: ReadonlyArray<[string, number, number]> = [
  ['≤ 30 chars', 0, 30],
  ['31–80', 31, 80],
  ['81–200', 81, 200],
  ['> 200', 201, Infinity],
];

interface Sample {
  text: string;
  lang: string;
}

/** Distinct (text, language) pairs of one split, questions and answers alike. */
export function languageSamples(items: readonly Item[], split: Split = 'test'): Sample[] {
  const seen = new Set<string>();
  const out: Sample[] = [];
  const add = (text: string, lang: string | undefined) => {
    if (!lang || !text.trim() || seen.has(text)) return;
    seen.add(text);
    out.push({ text: text.slice(0, 400), lang });
  };
  for (const i of items) {
    if (i.split !== split) continue;
    add(i.question, i.question_lang);
    add(i.response, i.response_lang);
  }
  return out;
}

export async function languageIdTable(items: readonly Item[], split: Split = 'test'): Promise<string> {
  const samples = languageSamples(items, split);
  const ids = await loadIdentifiers();
  const langs = new Set(samples.map((s) => s.lang));
  const lines = [
    `${samples.length} texts in ${langs.size} languages (${split} split; questions and answers, first 400 characters).`,
    '',
    `| identifier | package | ${BUCKETS.map((b) => `accuracy ${b[0]}`).join(' | ')} | accuracy, all | µs per text, first pass | µs per text, second pass |`,
    `| --- | --- | ${BUCKETS.map(() => '---:').join(' | ')} | ---: | ---: | ---: |`,
  ];
  for (const { name, package: pkg, identifier } of ids) {
    const right = BUCKETS.map(() => [0, 0]);
    let ok = 0;
    const t0 = performance.now();
    for (const s of samples) {
      const top = identifier.identify(s.text, 1)[0]?.lang ?? 'und';
      const hit = top === s.lang;
      if (hit) ok++;
      const b = BUCKETS.findIndex(([, lo, hi]) => s.text.length >= lo && s.text.length <= hi);
      const cell = right[b] as number[];
      cell[0] = (cell[0] ?? 0) + (hit ? 1 : 0);
      cell[1] = (cell[1] ?? 0) + 1;
    }
    const us = ((performance.now() - t0) / samples.length) * 1000;
    // The second pass: compiled code and warm caches, as in a process that has run a while.
    const t1 = performance.now();
    for (const s of samples) identifier.identify(s.text, 1);
    const warm = ((performance.now() - t1) / samples.length) * 1000;
    const cells = right.map(([h = 0, n = 0]) => (n ? `${((100 * h) / n).toFixed(1)} % (${n})` : '–'));
    lines.push(
      `| ${name} | ${pkg} | ${cells.join(' | ')} | ${((100 * ok) / samples.length).toFixed(1)} % | ${us.toFixed(0)} | ${warm.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}
