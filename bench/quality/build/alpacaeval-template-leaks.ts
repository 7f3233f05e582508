/**
 * The alpacaeval-template-leaks sample: real answers of 200+ models from AlpacaEval's committed
 * results (tatsu-lab/alpaca_eval, Apache-2.0), labeled for prompt-template leaks (see SOURCE.md).
 *
 *   npx tsx bench/quality/build/alpacaeval-template-leaks.ts tatsu-lab/alpaca_eval=/path/to/clone
 *       rebuilds items.jsonl from the committed manifest.json (texts checked by SHA-256);
 *   npx tsx bench/quality/build/alpacaeval-template-leaks.ts --select /path/to/clone <commit>
 *       chooses the items again and rewrites manifest.json.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFromManifest } from './provider-error-bodies.ts';

const DATASET = 'alpacaeval-template-leaks';
const REPO = 'tatsu-lab/alpaca_eval';

// Candidates: a chat-template token or end-of-sequence marker, or a line that opens a turn or a
// section of a prompt format.
const TOKEN =
  /<\|[A-Za-z_][\w.-]{0,30}\|>|\[\/?INST\]|<<\/?SYS>>|<\/?(?:start_of_turn|end_of_turn)>|<\/s>|<s>|<eos>|<bos>/;
const HEADING =
  /^(?:#+ ?)?(?:Human|User|USER|Assistant|ASSISTANT|Instruction|Response|Question|Answer|Input|Output)\s*(?:\[[^\]]*\])?\s*:/m;
// A turn marker of a prompt template.
const TURN = /^(?:#+ ?)?(?:Human|User|USER|Assistant|ASSISTANT|Instruction|Response)\s*(?:\[[^\]]*\])?\s*:/m;
// Guanaco's and Alpaca's turn headings: a leak even in answers to the hard negatives' instructions.
const HASHED_TURN = /^#{2,3} ?(?:Human|User|Assistant|Instruction|Response)\s*:/m;
// Instructions that may ask for a dialogue, a script, examples or headings like these: a heading
// in their answers is not labeled (left out) unless it is a hashed turn of a hard negative.
const MAY_ASK =
  /dialog|conversation|chat|script|interview|role|play|scene|user|assistant|human|response|answer|question|example|input|problem|exchange|agent|customer|message/i;
// Read by hand (SOURCE.md): candidates that are not leaks, and candidates left out as undecidable.
const NOT_LEAKS = new Set([
  'Meta-Llama-3-70B-Instruct#358',
  'TempNet-LLaMA2-Chat-70B-v0.1#358',
  'Mixtral-8x22B-Instruct-v0.1#201',
  'platolm-7b#201',
  'tulu-2-dpo-70b#747',
]);
const LEFT_OUT = new Set([
  'TOA#509',
  'ultralm-13b#794',
  'ultralm-13b#605',
  'merlinite-7B-AOT#348',
  'guanaco-7b#348',
]);
// Hard negatives: instructions whose good answers carry `Input:`/`Output:` or `USER:` lines (a
// programming problem with examples, a Shakespeare Programming Language program, a data model).
const HARD_NEGATIVES = new Set([565, 466, 271]);
const POSITIVES_PER_MODEL = 12;
const NEGATIVES_PER_MODEL = 2;

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

function select(gitDir: string, commit: string): void {
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', gitDir, ...args], {
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString('utf8');
  const files = git('ls-tree', '-r', commit, '--name-only')
    .split('\n')
    .filter((f) => f.startsWith('results/') && f.endsWith('/model_outputs.json'))
    .sort();
  const items: Array<Record<string, unknown>> = [];
  const positives = new Map<string, Array<[string, Record<string, unknown>]>>();
  const others = new Map<string, Array<[string, Record<string, unknown>]>>();
  for (const path of files) {
    const model = path.split('/')[1] as string;
    let rows: Array<Record<string, unknown>>;
    try {
      rows = JSON.parse(git('show', `${commit}:${path}`)) as Array<Record<string, unknown>>;
    } catch {
      continue; // a file the clone does not hold (a shallow or partial snapshot)
    }
    rows.forEach((row, i) => {
      const output = row['output'];
      const instruction = row['instruction'];
      if (typeof output !== 'string' || typeof instruction !== 'string' || !output.trim()) return;
      const key = `${model}#${i}`;
      if (LEFT_OUT.has(key)) return;
      const token = TOKEN.test(output);
      const heading = HEADING.test(output);
      let leak: boolean | undefined;
      if (NOT_LEAKS.has(key)) leak = false;
      else if (token) leak = true;
      else if (heading && !MAY_ASK.test(instruction) && TURN.test(output)) leak = true;
      else if (heading && HARD_NEGATIVES.has(i) && HASHED_TURN.test(output)) leak = true;
      else if (heading && HARD_NEGATIVES.has(i)) leak = false;
      else if (heading) return;
      const ref = (field: string) => ({ kind: 'json', repo: REPO, path, json: [i, field], commit });
      const item: Record<string, unknown> = {
        id: `${REPO}:${path}#${i}`,
        group: instruction,
        question: ref('instruction'),
        response: ref('output'),
        model: ref('generator'),
        labels: { template_leak: leak ?? false },
        sha256: sha256(output),
      };
      const pool = leak === undefined ? others : leak ? positives : null;
      if (!pool) items.push(item);
      else pool.set(model, [...(pool.get(model) ?? []), [sha256(`${model}:${i}`), item]]);
    });
  }
  // The same number from each model at most, chosen by hash: no model dominates a label.
  const pick = (pool: typeof positives, n: number) => {
    for (const xs of pool.values())
      items.push(
        ...xs
          .sort((a, b) => (a[0] < b[0] ? -1 : 1))
          .slice(0, n)
          .map(([, x]) => x),
      );
  };
  pick(positives, POSITIVES_PER_MODEL);
  pick(others, NEGATIVES_PER_MODEL);
  items.sort((a, b) => ((a['id'] as string) < (b['id'] as string) ? -1 : 1));
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'datasets', DATASET, 'manifest.json');
  writeFileSync(
    out,
    `{\n  "dataset": "${DATASET}",\n  "items": [\n${items.map((x) => `    ${JSON.stringify(x)}`).join(',\n')}\n  ]\n}\n`,
  );
  const leaks = items.filter((x) => (x['labels'] as { template_leak: boolean }).template_leak).length;
  console.log(`${items.length} items (${leaks} leaks) -> ${out}`);
}

const args = process.argv.slice(2);
if (args[0] === '--select') select(args[1] ?? '.', args[2] ?? 'HEAD');
else buildFromManifest(DATASET, args);
