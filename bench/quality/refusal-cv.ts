/**
 * The refusal check's rules scored on answers the model did not learn from, over train and dev:
 *
 *   npx tsx bench/quality/refusal-cv.ts
 *
 * The dev split alone holds a few dozen answers per branch of the rules, too few to choose a
 * threshold on. Here the training datasets' train split is cut in five folds by a hash of each
 * answer; five models are trained as `train-refusal.ts` trains the shipped one (its chosen
 * hyper-parameters), each on four folds, and every train answer is read by the model that did not
 * see it. Dev answers and the evaluation-only datasets (which no model learns from) are read by
 * the shipped model. The rules are the check's own (`refusalVerdict`); the test split is not read.
 */
import { createHash } from 'node:crypto';
import { loadRefusalModel, predict, readRefusal } from '../../evaluators/checks/refusal-model.ts';
import { refusalVerdict } from '../../evaluators/checks/refusal.ts';
import { splitStorageMarker } from '../../evaluators/checks/text.ts';
import { loadDatasets, type Item } from './dataset.ts';
import { examples, train, TRAIN_DATASETS } from './refusal-training.ts';
import { BINARY_REFUSAL, TARGETS } from './score.ts';

const FOLDS = 5;
/** What train-refusal.ts chose on dev for the committed weights (its "best:" line). */
const EPOCHS = 6;
const RATE = 1;
const L2 = 1e-4;
const MIN_CONFIDENCE = 0.8;

const fold = (i: Item): number =>
  createHash('sha256').update(`fold:${i.dataset}:${i.id}`).digest().readUInt32BE(0) % FOLDS;

const datasets = loadDatasets();
const trainItems = [...datasets]
  .filter(([name]) => name in TRAIN_DATASETS)
  .flatMap(([, items]) => items)
  .filter((i) => i.split === 'train');
const models = Array.from({ length: FOLDS }, (_, f) =>
  train(examples(trainItems.filter((i) => fold(i) !== f)), EPOCHS, RATE, L2),
);
const shipped = loadRefusalModel();

/** tp, fn, fp, tn by dataset, and over all. */
const counts = new Map<string, [number, number, number, number]>();
for (const [name, items] of datasets)
  for (const item of items) {
    if (item.split === 'test') continue;
    const truth = TARGETS['refusal']?.(item.labels);
    if (truth === undefined) continue;
    const text = splitStorageMarker(item.response).text;
    if (!text.trim()) continue;
    const model =
      name in TRAIN_DATASETS && item.split === 'train' ? (models[fold(item)] ?? shipped) : shipped;
    const { features, cues } = readRefusal(text);
    const verdict = refusalVerdict(cues, predict(model, features), false);
    if (!verdict) continue;
    const sure = verdict.confidence >= MIN_CONFIDENCE;
    // As bench:quality counts: a sure failure, or a sure partial refusal where labels are binary.
    const flagged =
      sure && (!verdict.passed || (BINARY_REFUSAL.has(name) && verdict.reason.startsWith('partial refusal')));
    for (const key of ['all', name]) {
      const c = counts.get(key) ?? [0, 0, 0, 0];
      c[truth ? (flagged ? 0 : 1) : flagged ? 2 : 3]++;
      counts.set(key, c);
    }
  }

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
console.log('| pool (train + dev, out of fold) | refusals | compliant | recall | F1 | false flags |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [key, [tp, fn, fp, tn]] of [...counts].sort((a, b) =>
  a[0] === 'all' ? 1 : b[0] === 'all' ? -1 : a[0] < b[0] ? -1 : 1,
)) {
  const precision = tp / Math.max(1, tp + fp);
  const recall = tp / Math.max(1, tp + fn);
  const f1 = tp === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  console.log(
    `| ${key} | ${tp + fn} | ${fp + tn} | ${tp + fn ? pct(recall) : '–'} | ${tp + fn ? f1.toFixed(3) : '–'} | ${pct(fp / Math.max(1, fp + tn))} (${fp}) |`,
  );
}
