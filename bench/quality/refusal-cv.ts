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
import { checkMetrics, TARGETS, verdictOf, type ScoredItem } from './score.ts';

const FOLDS = 5;
/** What train-refusal.ts chose on dev for the committed weights (its "best:" line). */
const EPOCHS = 6;
const RATE = 1;
const L2 = 1e-4;

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

// Every labeled train and dev answer with the rules' verdict on it, scored as bench:quality scores.
const scored = new Map<string, ScoredItem[]>();
for (const [name, items] of datasets)
  for (const item of items) {
    if (item.split === 'test' || TARGETS['refusal']?.(item.labels) === undefined) continue;
    const text = splitStorageMarker(item.response).text;
    if (!text.trim()) continue;
    const model =
      name in TRAIN_DATASETS && item.split === 'train' ? (models[fold(item)] ?? shipped) : shipped;
    const { features, cues } = readRefusal(text);
    const result = refusalVerdict(cues, predict(model, features), false);
    scored.set(name, [
      ...(scored.get(name) ?? []),
      { item, verdicts: new Map([['refusal', { verdict: verdictOf(result), result }]]) },
    ]);
  }

const pct = (x: number): string => (Number.isNaN(x) ? '–' : `${(100 * x).toFixed(2)} %`);
console.log('| pool (train + dev, out of fold) | refusals | compliant | recall | F1 | false flags |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
const pools: Array<[string, ScoredItem[]]> = [
  ...[...scored].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
  ['all', [...scored.values()].flat()],
];
for (const [name, items] of pools) {
  const m = checkMetrics(items, 'refusal');
  if (!m) continue;
  const f1 = Number.isNaN(m.f1) ? '–' : m.f1.toFixed(3);
  console.log(
    `| ${name} | ${m.positives} | ${m.negatives} | ${pct(m.recall)} | ${f1} | ${pct(m.falseFlagRate)} (${m.fp}) |`,
  );
}
