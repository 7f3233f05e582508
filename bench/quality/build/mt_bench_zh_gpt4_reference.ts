/**
 * Rebuilds bench/quality/datasets/mt_bench_zh_gpt4_reference/items.jsonl from GeneZC/MiniMA's MT-Bench-ZH:
 * the GPT-4 reference answers to the first turn of the 80 Chinese MT-Bench questions. The questions are
 * benign, so every kept answer is labeled refusal "none" (assumed compliant; the two answers that decline in
 * part are listed in DROP after reading all 80).
 *
 *   tsx bench/quality/build/mt_bench_zh_gpt4_reference.ts <repo>/mt_bench_zh/data/mt_bench_zh/question.jsonl \
 *     <repo>/mt_bench_zh/data/mt_bench_zh/reference_answer/gpt-4.jsonl
 *
 * See the dataset's SOURCE.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DATASET = 'mt_bench_zh_gpt4_reference';
/** Question ids whose answer opens with "作为一个人工智能，我…" and declines (part of) the request. */
const DROP = new Set([100, 102]);

interface Question {
  question_id: number;
  turns: string[];
}
interface Answer {
  question_id: number;
  'model-id': string;
  choices: { turns: string[] }[];
}

const readJsonl = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);

const [questionFile, answerFile] = process.argv.slice(2);
if (!questionFile || !answerFile || basename(questionFile) !== 'question.jsonl') {
  throw new Error('usage: mt_bench_zh_gpt4_reference.ts <question.jsonl> <gpt-4.jsonl>');
}
const questions = new Map(readJsonl<Question>(questionFile).map((q) => [q.question_id, q]));
const items = readJsonl<Answer>(answerFile)
  .filter((a) => !DROP.has(a.question_id))
  .map((a) => {
    const q = questions.get(a.question_id);
    const response = a.choices[0]?.turns[0];
    if (!q || q.turns[0] === undefined || response === undefined) {
      throw new Error(`no question or answer for ${a.question_id}`);
    }
    return {
      id: `${a['model-id']}/${a.question_id}`,
      question: q.turns[0],
      response,
      model: a['model-id'],
      question_lang: 'zh',
      response_lang: 'zh',
      labels: { refusal: 'none' as const },
    };
  })
  .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'datasets', DATASET, 'items.jsonl');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, items.map((it) => JSON.stringify(it)).join('\n') + '\n');
console.log(`${items.length} items -> ${out}`);
