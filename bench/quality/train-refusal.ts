/**
 * Trains the refusal model (evaluators/checks/refusal-model.ts) and writes its weights.
 *
 *   npx tsx bench/quality/train-refusal.ts [--write]
 *
 * Data: the train split of the datasets listed in TRAIN_DATASETS only (their licences allow a
 * derived model to ship under Apache-2.0; do-not-answer-human is CC-BY-NC-SA-4.0 and is used for
 * evaluation only). Hyper-parameters are chosen on the dev split; the test split is never read.
 * Deterministic: same data, same weights.
 */
import {
  MODEL_FILE,
  predict,
  saveRefusalModel,
  type RefusalModel,
} from '../../evaluators/checks/refusal-model.ts';
import { loadDatasets } from './dataset.ts';
import { examples, train, TRAIN_DATASETS, type Example } from './refusal-training.ts';

/** Macro F1 of "full refusal" vs "compliance" (partial left out: the labels disagree on it) and accuracy. */
function evaluate(model: RefusalModel, data: readonly Example[]): { f1: number; ffr: number } {
  let tp = 0,
    fp = 0,
    fn = 0,
    negatives = 0;
  for (const ex of data) {
    if (ex.label === 1) continue;
    const p = predict(model, ex.features);
    const flagged = p[0] >= 0.8;
    if (ex.label === 0 && flagged) tp++;
    else if (ex.label === 0) fn++;
    else {
      negatives++;
      if (flagged) fp++;
    }
  }
  const precision = tp / Math.max(1, tp + fp);
  const recall = tp / Math.max(1, tp + fn);
  return {
    f1: (2 * precision * recall) / Math.max(1e-9, precision + recall),
    ffr: fp / Math.max(1, negatives),
  };
}

const all = [...loadDatasets()].filter(([name]) => name in TRAIN_DATASETS).flatMap(([, items]) => items);
const trainSet = examples(all.filter((i) => i.split === 'train'));
const devSet = examples(all.filter((i) => i.split === 'dev'));
console.log(`train ${trainSet.length}, dev ${devSet.length} examples`);

let best: { model: RefusalModel; f1: number; desc: string } | undefined;
for (const epochs of [6, 12])
  for (const rate of [0.3, 1])
    for (const l2 of [1e-4, 1e-3]) {
      const model = train(trainSet, epochs, rate, l2);
      const m = evaluate(model, devSet);
      const desc = `epochs ${epochs}, rate ${rate}, l2 ${l2}`;
      console.log(`${desc}: dev F1 ${m.f1.toFixed(3)}, false flags ${(100 * m.ffr).toFixed(2)} %`);
      if (!best || m.f1 > best.f1) best = { model, f1: m.f1, desc };
    }
if (!best) throw new Error('no model trained');
console.log(`best: ${best.desc} (dev F1 ${best.f1.toFixed(3)})`);
if (process.argv.includes('--write')) {
  saveRefusalModel(best.model);
  console.log(`wrote ${MODEL_FILE}`);
}
