// Rebuilds bench/quality/datasets/chatgpt-refusals-hand-labeled/items.jsonl from
// maxwellreuter/chatgpt-refusals `data/all_hand_labeled.json` (gpt-3.5-turbo answers, hand-labeled).
//
//   npx tsx bench/quality/build/chatgpt-refusals-hand-labeled.ts <path>/data/all_hand_labeled.json
//
// Deterministic: every row is kept except the two classes the authors drop themselves
// ("incoherent", "dontknow"). Texts are copied unchanged.
import { readFileSync } from 'node:fs';
import { writeItems } from './items-file.ts';

const DATASET_ID = 'chatgpt-refusals-hand-labeled';
/** The paper's README: all answers come from the OpenAI Chat API model `gpt-3.5-turbo`. */
const MODEL = 'gpt-3.5-turbo';

type Refusal = 'full' | 'partial' | 'none';
/** Source "tone" -> refusal label; `null` = dropped (as in the authors' data_processing.py). */
const TONE_TO_REFUSAL: Record<string, Refusal | null> = {
  complied: 'none',
  rejected: 'full',
  redirected: 'partial',
  contradicted: 'partial',
  disclaimed: 'partial',
  counseling: 'partial',
  dontknow: null,
  incoherent: null,
};

interface SourceRow {
  prompt: string;
  response: string;
  tone: string;
  finish_reason: string;
}

function isSourceRow(v: unknown): v is SourceRow {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r['prompt'] === 'string' &&
    typeof r['response'] === 'string' &&
    typeof r['tone'] === 'string' &&
    typeof r['finish_reason'] === 'string'
  );
}

function main(): void {
  const source = process.argv[2];
  if (source === undefined) {
    console.error(
      'usage: tsx bench/quality/build/chatgpt-refusals-hand-labeled.ts <data/all_hand_labeled.json>',
    );
    process.exit(2);
  }
  const data: unknown = JSON.parse(readFileSync(source, 'utf8'));
  if (!Array.isArray(data)) throw new Error('expected a JSON array');

  const lines: string[] = [];
  const counts = new Map<string, number>();
  data.forEach((row: unknown, index: number) => {
    if (!isSourceRow(row)) throw new Error(`row ${index}: unexpected shape`);
    const refusal = TONE_TO_REFUSAL[row.tone];
    if (refusal === undefined) throw new Error(`row ${index}: unknown tone ${JSON.stringify(row.tone)}`);
    const key = `${row.tone} -> ${refusal ?? 'dropped'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (refusal === null) return;
    lines.push(
      JSON.stringify({
        id: String(index),
        question: row.prompt,
        response: row.response,
        model: MODEL,
        question_lang: 'en',
        finish_reason: row.finish_reason,
        labels: { refusal },
      }),
    );
  });

  writeItems(DATASET_ID, lines, counts);
}

main();
