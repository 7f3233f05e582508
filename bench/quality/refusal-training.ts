/**
 * Training the refusal model (evaluators/checks/refusal-model.ts): its data and its optimiser,
 * shared by `train-refusal.ts` (which chooses the hyper-parameters on dev and writes the weights)
 * and `refusal-cv.ts` (which scores the check's rules with models that did not see the answer).
 */
import { createHash } from 'node:crypto';
import {
  emptyRefusalModel,
  featureValue,
  predict,
  REFUSAL_CLASSES,
  refusalFeatures,
  weightIndex,
  type RefusalModel,
} from '../../evaluators/checks/refusal-model.ts';
import type { Item } from './dataset.ts';

/** Datasets the shipped model may learn from, with their licences (see each SOURCE.md). */
export const TRAIN_DATASETS: Readonly<Record<string, string>> = {
  'chatgpt-refusals-hand-labeled': 'MIT',
  polyrefuse_multilingual_refusal: 'Apache-2.0',
  ja_vicuna_qa_answers: 'Apache-2.0',
  mt_bench_zh_gpt4_reference: 'Apache-2.0',
  'openai-rbr-gold': 'MIT',
};

export interface Example {
  features: number[];
  label: number;
  weight: number;
}

export function examples(items: readonly Item[]): Example[] {
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
export function train(data: readonly Example[], epochs: number, rate: number, l2: number): RefusalModel {
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
