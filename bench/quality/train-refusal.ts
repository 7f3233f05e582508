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
import { createHash } from 'node:crypto';
import {
  emptyRefusalModel,
  featureValue,
  MODEL_FILE,
  predict,
  REFUSAL_CLASSES,
  refusalFeatures,
  saveRefusalModel,
  weightIndex,
  type RefusalModel,
} from '../../evaluators/checks/refusal-model.ts';
import { loadDatasets, type Item } from './dataset.ts';

/** Datasets the shipped model may learn from, with their licences (see each SOURCE.md). */
export const TRAIN_DATASETS: Readonly<Record<string, string>> = {
  'chatgpt-refusals-hand-labeled': 'MIT',
  polyrefuse_multilingual_refusal: 'Apache-2.0',
  ja_vicuna_qa_answers: 'Apache-2.0',
  mt_bench_zh_gpt4_reference: 'Apache-2.0',
  'openai-rbr-gold': 'MIT',
};

interface Example {
  features: number[];
  label: number;
  weight: number;
}

function examples(items: readonly Item[]): Example[] {
  const out: Example[] = [];
  for (const i of items) {
    const label = i.labels.refusal;
    if (label === undefined) continue;
    out.push({ features: refusalFeatures(i.response), label: REFUSAL_CLASSES.indexOf(label), weight: 1 });
  }
  // Balance the classes: each carries the same total weight.
  const per = [0, 0, 0];
  for (const e of out) per[e.label] = (per[e.label] as number) + 1;
  for (const e of out) e.weight = out.length / (3 * Math.max(1, per[e.label] as number));
  return out;
}

/** Deterministic shuffle order per epoch. */
function order(n: number, epoch: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  const key = (i: number) => createHash('sha256').update(`${epoch}:${i}`).digest().readUInt32BE(0);
  const keys = idx.map(key);
  return idx.sort((a, b) => (keys[a] as number) - (keys[b] as number));
}

/** AdaGrad on the softmax cross-entropy with L2. */
function train(data: readonly Example[], epochs: number, rate: number, l2: number): RefusalModel {
  const model = emptyRefusalModel();
  const g2 = new Float32Array(model.weights.length).fill(1e-8);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const k of order(data.length, epoch)) {
      const ex = data[k] as Example;
      const p = predict(model, ex.features);
      const x = featureValue(ex.features);
      for (let c = 0; c < 3; c++) {
        const grad = ((p[c] as number) - (c === ex.label ? 1 : 0)) * ex.weight * x;
        for (const f of ex.features) {
          const w = weightIndex(c, f);
          const g = grad + l2 * (model.weights[w] as number);
          g2[w] = (g2[w] as number) + g * g;
          model.weights[w] = (model.weights[w] as number) - (rate * g) / Math.sqrt(g2[w]);
        }
      }
    }
  }
  return model;
}

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
