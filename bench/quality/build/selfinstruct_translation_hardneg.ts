/**
 * Rebuilds bench/quality/datasets/selfinstruct_translation_hardneg/items.jsonl: hard negatives for the
 * language-mismatch check from yizhongw/self-instruct. English requests whose answer is, on purpose, in
 * another language (a translation) or quotes another language (a German grammar tip, a French reading test).
 * Every item is labeled language_mismatch: false.
 *
 *   tsx bench/quality/build/selfinstruct_translation_hardneg.ts \
 *     data/seed_tasks.jsonl human_eval/user_oriented_instructions.jsonl human_eval/predictions/*_predictions.jsonl
 *
 * See the dataset's SOURCE.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DATASET = 'selfinstruct_translation_hardneg';

/**
 * The user-oriented tasks used, the answer language, and which answers to take ('human' = the reference
 * answer). Left out on purpose: answers to 126/127 written wholly in German/French (whether those are a
 * mismatch is arguable) and the blank ones.
 */
const USER_TASKS: { index: number; responseLang: string; take: 'all' | string[]; note: string }[] = [
  {
    index: 100,
    responseLang: 'fr',
    take: 'all',
    note: 'the request asks for a French translation of an English paragraph',
  },
  {
    index: 126,
    responseLang: 'en',
    take: ['human', 'davinci', 'davinci-self-instruct', 'text-davinci-001', 'text-davinci-002'],
    note: 'English answer about German grammar, quoting German verb endings and words',
  },
  {
    index: 127,
    responseLang: 'en',
    take: [
      'human',
      'davinci',
      'davinci-self-instruct',
      'davinci-self-instruct-and-superni-ft',
      'davinci-superni-ft',
      'davinci-t0-ft',
      'text-davinci-001',
      'text-davinci-002',
    ],
    note: 'English instruction around a French story; the answer is English (some answers quote or translate the story)',
  },
];
const SEED_TASKS: Record<string, { responseLang: string; note: string; inputAsQuestion: boolean }> = {
  seed_task_101: {
    responseLang: 'ar',
    note: 'the request asks for an Arabic translation; the human answer is Arabic plus one English sentence',
    inputAsQuestion: false,
  },
  seed_task_117: {
    responseLang: 'zh',
    note: 'the instruction (as system prompt) asks for a Chinese translation of the English user message',
    inputAsQuestion: true,
  },
};

interface Prediction {
  prompt: string;
  instruction: string;
  response: string;
  target: string;
}
interface Task {
  id: string;
  instruction: string;
  instances: { input: string; output: string }[];
}
interface Item {
  id: string;
  group: string;
  question: string;
  system?: string;
  response: string;
  model: string;
  question_lang: string;
  response_lang: string;
  labels: { language_mismatch: boolean };
  note: string;
}

const readJsonl = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

const files = process.argv.slice(2);
const seedPath = files.find((f) => basename(f) === 'seed_tasks.jsonl');
const userPath = files.find((f) => basename(f) === 'user_oriented_instructions.jsonl');
const predictionPaths = files.filter((f) => f.endsWith('_predictions.jsonl')).sort();
if (!seedPath || !userPath || predictionPaths.length === 0) {
  throw new Error(
    'usage: selfinstruct_translation_hardneg.ts seed_tasks.jsonl user_oriented_instructions.jsonl *_predictions.jsonl',
  );
}

const items: Item[] = [];
const userTasks = readJsonl<Task>(userPath);
const predictions = predictionPaths.map((p) => ({
  model: basename(p).replace(/_predictions\.jsonl$/, ''),
  rows: readJsonl<Prediction>(p),
}));
for (const t of USER_TASKS) {
  const task = userTasks[t.index];
  if (!task) throw new Error(`no user-oriented task ${t.index}`);
  const wanted = (model: string): boolean => t.take === 'all' || t.take.includes(model);
  const base = { group: task.id, question_lang: 'en', response_lang: t.responseLang };
  const first = predictions[0]?.rows[t.index];
  if (!first || first.instruction.trim() !== task.instruction.trim())
    throw new Error(`row ${t.index} is not ${task.id}`);
  if (wanted('human')) {
    items.push({
      id: `${task.id}/human`,
      ...base,
      question: first.prompt,
      response: first.target,
      model: '',
      labels: { language_mismatch: false },
      note: `${t.note} (human-written reference answer)`,
    });
  }
  for (const { model, rows } of predictions) {
    const row = rows[t.index];
    if (!row || row.prompt !== first.prompt) throw new Error(`${model}: row ${t.index} differs`);
    if (!wanted(model)) continue;
    items.push({
      id: `${task.id}/${model}`,
      ...base,
      question: row.prompt,
      response: row.response,
      model,
      labels: { language_mismatch: false },
      note: t.note,
    });
  }
}
for (const task of readJsonl<Task>(seedPath)) {
  const s = SEED_TASKS[task.id];
  const inst = task.instances[0];
  if (!s || !inst) continue;
  items.push({
    id: `${task.id}/human`,
    group: task.id,
    question: s.inputAsQuestion ? inst.input : task.instruction,
    ...(s.inputAsQuestion ? { system: task.instruction } : {}),
    response: inst.output,
    model: '',
    question_lang: 'en',
    response_lang: s.responseLang,
    labels: { language_mismatch: false },
    note: `${s.note} (human-written seed task)`,
  });
}

items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'datasets', DATASET, 'items.jsonl');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, items.map((it) => JSON.stringify(it)).join('\n') + '\n');
console.log(`${items.length} items -> ${out}`);
