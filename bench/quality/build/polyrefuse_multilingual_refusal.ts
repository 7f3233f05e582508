/**
 * Rebuilds bench/quality/datasets/polyrefuse_multilingual_refusal/items.jsonl from the per-completion
 * evaluation files of mainlp/Multilingual-Refusal (PolyRefuse): the responses of three chat models to
 * translated harmful prompts, each with the WildGuard verdict the authors stored next to it.
 *
 *   tsx bench/quality/build/polyrefuse_multilingual_refusal.ts \
 *     <repo>/output/ja_vector_sweep/<org>/<model>/<lang>/<run>/1/completions/harmful_<mode>_evaluations.json ...
 *
 * Model, prompt language and mode are read from the path. See the dataset's SOURCE.md.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DATASET = 'polyrefuse_multilingual_refusal';
/** English is covered by other datasets; Yoruba outputs are mostly unintelligible, so WildGuard's verdicts on them are unreliable. */
const EXCLUDED_LANGS = new Set(['en', 'yo']);
/** Items drawn per file: [refusal, non-refusal]. */
const QUOTA: Record<string, [number, number]> = { baseline: [25, 20], harm_ablation: [4, 12] };
/** End-of-turn / end-of-text token ids: a generation without any of them ran into max_new_tokens (512). */
const STOP_TOKENS: Record<string, ReadonlySet<number>> = {
  Qwen: new Set([151643, 151645]),
  'meta-llama': new Set([128001, 128008, 128009]),
  google: new Set([1, 107]),
};

interface Completion {
  instruction: string;
  response: string;
  instruction_en: string;
  generation_tokens: string;
  wildguard: { refusal: number };
}

interface Item {
  id: string;
  group: string;
  question: string;
  response: string;
  model: string;
  question_lang: string;
  labels: { refusal: 'full' | 'none'; truncated: boolean };
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

function parsePath(path: string): { org: string; model: string; lang: string; mode: string } {
  const m =
    /ja_vector_sweep\/([^/]+)\/([^/]+)\/([^/]+)\/[^/]+\/\d+\/completions\/harmful_(baseline|harm_ablation)_evaluations\.json$/.exec(
      path,
    );
  if (!m) throw new Error(`unexpected path: ${path}`);
  const [, org, model, lang, mode] = m as unknown as [string, string, string, string, string];
  return { org, model, lang, mode };
}

function itemsOf(path: string): Item[] {
  const { org, model, lang, mode } = parsePath(path);
  if (EXCLUDED_LANGS.has(lang)) return [];
  const stops = STOP_TOKENS[org];
  const quota = QUOTA[mode];
  if (!stops || !quota) throw new Error(`no stop tokens or quota for ${org} ${mode}`);
  const data = JSON.parse(readFileSync(path, 'utf8')) as { completions: Completion[] };
  const candidates: Item[] = data.completions.map((c, i) => {
    const tokens = c.generation_tokens.split(' ').map(Number);
    return {
      id: `${model}/${lang}/${mode}/${i}`,
      group: c.instruction_en,
      question: c.instruction,
      response: c.response,
      model: mode === 'baseline' ? `${org}/${model}` : `${org}/${model}+harm_ablation`,
      question_lang: lang,
      labels: {
        refusal: c.wildguard.refusal === 1 ? 'full' : 'none',
        truncated: !tokens.some((t) => stops.has(t)),
      },
    };
  });
  const pick = (refusal: 'full' | 'none', n: number): Item[] =>
    candidates
      .filter((it) => it.labels.refusal === refusal)
      .map((it) => ({ it, h: sha(`${DATASET}:${it.id}`) }))
      .sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0))
      .slice(0, n)
      .map((x) => x.it);
  return [...pick('full', quota[0]), ...pick('none', quota[1])];
}

const files = process.argv.slice(2);
if (files.length === 0) throw new Error('usage: polyrefuse_multilingual_refusal.ts <evaluations.json>...');
const items = files.flatMap(itemsOf).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'datasets', DATASET, 'items.jsonl');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, items.map((it) => JSON.stringify(it)).join('\n') + '\n');
console.log(`${items.length} items -> ${out}`);
