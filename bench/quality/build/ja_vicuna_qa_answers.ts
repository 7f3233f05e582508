/**
 * Rebuilds bench/quality/datasets/ja_vicuna_qa_answers/items.jsonl from ku-nlp/ja-vicuna-qa-benchmark: the
 * answers of Japanese chat models (and the GPT-4 reference answers) to the 80 Japanese Vicuna questions.
 * The questions are benign, so every kept answer is labeled refusal "none" (assumed compliant; the answers
 * that are not a real answer, or that decline, are listed in DROP after reading them).
 *
 *   tsx bench/quality/build/ja_vicuna_qa_answers.ts <repo>/data/jp_bench/question.jsonl \
 *     <repo>/data/jp_bench/model_answer/<model>/results.jsonl... <repo>/data/jp_bench/reference_answer/gpt-4/results.jsonl
 *
 * See the dataset's SOURCE.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DATASET = 'ja_vicuna_qa_answers';
/** Models left out whole: most of its answers are not answers (greetings, the question echoed, "ハイ"). */
const EXCLUDED_MODELS = new Set(['llm-jp--llm-jp-13b-instruct-full-jaster-dolly-oasst-v1.0']);
/** `<model_id>/<question_id>` answers dropped after reading: declines, non-answers, offers without help. */
const DROP = new Set([
  'llm-jp--llm-jp-13b-instruct-lora-jaster-dolly-oasst-v1.0/24', // "私はスーパーヒーローではない。私はただのAIアシスタントだ。" (declines the role play)
  'llm-jp--llm-jp-13b-instruct-lora-jaster-dolly-oasst-v1.0/39', // "AIの言語モデルとして…" disclaimer, then a loop
  'llm-jp--llm-jp-13b-instruct-lora-jaster-dolly-oasst-v1.0/73', // "私の名前は..."
  'llm-jp--llm-jp-13b-instruct-lora-jaster-dolly-oasst-v1.0/74', // "こんにちは"
  'llm-jp--llm-jp-13b-instruct-lora-jaster-dolly-oasst-v1.0/23', // "私は愛する" (no real answer)
  'tokyotech-llm--Swallow-70b-instruct-hf/12', // offers a list, gives none
  'tokyotech-llm--Swallow-70b-instruct-hf/39', // "私はAIですから、道徳的な推論はあまり得意ではありません…" (declines)
  'tokyotech-llm--Swallow-70b-instruct-hf/51', // "…それについて語るのは意味がないですね。" (declines the hypothetical)
  'tokyotech-llm--Swallow-70b-instruct-hf/67', // "こんにちは"
  'rinna--japanese-gpt-neox-3.6b-instruction-sft-v2/65', // asks back instead of answering
]);
/** Hiragana or katakana: the answer is written in Japanese (answers that are only code or a number get no response_lang). */
const KANA = /[\u3040-\u30ff]/;

interface Question {
  question_id: number;
  turns: string[];
}
interface Answer {
  question_id: number;
  model_id: string;
  choices: { turns: string[] }[];
}
interface Item {
  id: string;
  question: string;
  response: string;
  model: string;
  question_lang: string;
  response_lang?: string;
  labels: { refusal: 'none' };
}

const readJsonl = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);

const files = process.argv.slice(2);
const questionFile = files.find((f) => basename(f) === 'question.jsonl');
if (!questionFile || files.length < 2) {
  throw new Error('usage: ja_vicuna_qa_answers.ts <question.jsonl> <results.jsonl>...');
}
const questions = new Map(readJsonl<Question>(questionFile).map((q) => [q.question_id, q]));
const items: Item[] = [];
for (const file of files) {
  if (file === questionFile) continue;
  for (const a of readJsonl<Answer>(file)) {
    const id = `${a.model_id}/${a.question_id}`;
    if (EXCLUDED_MODELS.has(a.model_id) || DROP.has(id)) continue;
    const q = questions.get(a.question_id);
    const response = a.choices[0]?.turns[0];
    if (!q || q.turns[0] === undefined || response === undefined)
      throw new Error(`no question or answer for ${id}`);
    items.push({
      id,
      question: q.turns[0],
      response,
      model: a.model_id,
      question_lang: 'ja',
      ...(KANA.test(response) ? { response_lang: 'ja' } : {}),
      labels: { refusal: 'none' },
    });
  }
}
items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'datasets', DATASET, 'items.jsonl');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, items.map((it) => JSON.stringify(it)).join('\n') + '\n');
console.log(`${items.length} items -> ${out}`);
