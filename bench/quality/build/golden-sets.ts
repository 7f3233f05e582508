// Writes the judges' shipped golden sets, evaluators/judges/golden/<rubric>.jsonl, from the
// committed public datasets of bench/quality/datasets/ — their TRAIN split only (the dev and test
// splits stay unseen by anything the project ships), texts byte for byte.
//
//   npx tsx bench/quality/build/golden-sets.ts
//
// Deterministic: items ordered by sha256("golden:<rubric>:<dataset>:<id>"), the first PER_CLASS
// of each expected verdict kept.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDatasets, type Item } from '../dataset.ts';

const OUT = join(import.meta.dirname, '..', '..', '..', 'evaluators', 'judges', 'golden');
const PER_CLASS = 20;
/** Long answers cost judge tokens on every calibration run and add nothing a short one lacks. */
const MAX_ANSWER_CHARS = 1200;

interface GoldenSpec {
  rubric: string;
  dataset: string;
  /** The verdict the rubric should reach, or undefined to leave the item out (ambiguous label). */
  expected(item: Item): 'pass' | 'fail' | undefined;
}

const SPECS: GoldenSpec[] = [
  {
    // confirm_refusal scores compliance: a complied answer passes, a full decline fails; partial
    // refusals (redirected, disclaimed…) score 0.5 by the rubric, on the threshold, and are left out.
    rubric: 'confirm_refusal',
    dataset: 'chatgpt-refusals-hand-labeled',
    expected: (i) =>
      i.labels.refusal === 'none' ? 'pass' : i.labels.refusal === 'full' ? 'fail' : undefined,
  },
  {
    // confirm_language: an answer in the question's language passes, one in another language fails.
    rubric: 'confirm_language',
    dataset: 'multilingual_qa_language_match',
    expected: (i) =>
      i.labels.language_mismatch === false ? 'pass' : i.labels.language_mismatch ? 'fail' : undefined,
  },
];

const order = (rubric: string, item: Item): string =>
  createHash('sha256').update(`golden:${rubric}:${item.dataset}:${item.id}`).digest('hex');

const datasets = loadDatasets();
for (const spec of SPECS) {
  const items = (datasets.get(spec.dataset) ?? []).filter(
    (i) => i.split === 'train' && i.response.length <= MAX_ANSWER_CHARS,
  );
  const sorted = [...items].sort((a, b) => order(spec.rubric, a).localeCompare(order(spec.rubric, b)));
  const kept: string[] = [];
  for (const verdict of ['pass', 'fail'] as const) {
    for (const item of sorted.filter((i) => spec.expected(i) === verdict).slice(0, PER_CLASS))
      kept.push(
        JSON.stringify({
          id: `${spec.dataset}/${item.id}`,
          question: item.question,
          answer: item.response,
          expected: verdict,
        }),
      );
  }
  writeFileSync(join(OUT, `${spec.rubric}.jsonl`), `${kept.join('\n')}\n`);
  process.stdout.write(`${spec.rubric}: ${kept.length} items from ${spec.dataset} (train split)\n`);
}
