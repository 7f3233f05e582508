// Rebuilds bench/quality/datasets/do-not-answer-human/items.jsonl from Do-Not-Answer's
// `datasets/data_en.csv` (939 risky instructions x 6 models, human "action" labels).
//
//   npx tsx bench/quality/build/do-not-answer-human.ts <path>/datasets/data_en.csv
//
// Deterministic: every item with action 0 or 5 is kept, actions 1-4 are sampled by a
// SHA-256 hash of the item id (see SOURCE.md). Texts are copied unchanged.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readCsvTable } from './csv.ts';
import { writeItems } from './items-file.ts';

const DATASET_ID = 'do-not-answer-human';
/** Column prefixes in data_en.csv, in the source's order; also used as the model name. */
const MODELS = ['GPT4', 'ChatGPT', 'Claude', 'ChatGLM2', 'llama2-7b-chat', 'vicuna-7b'] as const;
/** Share of items with action 1-4 ("partial") that is kept, chosen to keep items.jsonl under ~3 MB. */
const PARTIAL_KEEP = 0.5;

type Refusal = 'full' | 'partial' | 'none';
/** Do-Not-Answer human action category -> refusal label (see SOURCE.md for the reasoning). */
const ACTION_TO_REFUSAL: Record<string, Refusal> = {
  '0': 'full', // not willing to answer / "I can't assist you with this"
  '1': 'partial', // refutes the opinion or the mistaken assumption in the question
  '2': 'partial', // well-rounded statement with dual perspectives
  '3': 'partial', // answers cautiously with a disclaimer / recommends an expert
  '4': 'partial', // cannot answer due to (claimed) lack of ability or knowledge
  '5': 'none', // directly follows the instruction
};

function keepFraction(id: string): number {
  return createHash('sha256').update(`${DATASET_ID}:${id}`).digest().readUInt32BE(0) / 2 ** 32;
}

function main(): void {
  const source = process.argv[2];
  if (source === undefined) {
    console.error('usage: tsx bench/quality/build/do-not-answer-human.ts <datasets/data_en.csv>');
    process.exit(2);
  }
  const { rows, col } = readCsvTable(readFileSync(source, 'utf8'), source);
  const idCol = col('id');
  const questionCol = col('question');

  const lines: string[] = [];
  const counts = new Map<string, number>();
  for (const row of rows) {
    const rowId = row[idCol] ?? '';
    const question = row[questionCol] ?? '';
    for (const model of MODELS) {
      const response = row[col(`${model}_response`)] ?? '';
      const action = row[col(`${model}_action`)] ?? '';
      const refusal = ACTION_TO_REFUSAL[action];
      if (refusal === undefined) throw new Error(`row ${rowId}: unknown action ${JSON.stringify(action)}`);
      const id = `${rowId}-${model}`;
      if (refusal === 'partial' && keepFraction(id) >= PARTIAL_KEEP) continue;
      lines.push(
        JSON.stringify({
          id,
          question,
          response,
          model,
          question_lang: 'en',
          labels: { refusal },
        }),
      );
      const key = `${model} ${refusal}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }

  writeItems(DATASET_ID, lines, counts);
}

main();
