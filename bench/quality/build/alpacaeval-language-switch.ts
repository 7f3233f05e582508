/**
 * The alpacaeval-language-switch sample: real answers from AlpacaEval's committed results
 * (tatsu-lab/alpaca_eval, Apache-2.0) to English instructions, labeled for answers that are, or
 * turn, in another language (see SOURCE.md).
 *
 *   npx tsx bench/quality/build/alpacaeval-language-switch.ts tatsu-lab/alpaca_eval=/path/to/clone
 *       rebuilds items.jsonl from the committed manifest.json (texts checked by SHA-256);
 *   npx tsx bench/quality/build/alpacaeval-language-switch.ts --select /path/to/clone <commit>
 *       chooses the items again and rewrites manifest.json.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFromManifest } from './provider-error-bodies.ts';

const DATASET = 'alpacaeval-language-switch';
const REPO = 'tatsu-lab/alpaca_eval';

// Candidates: outside code, a run of 12 or more characters of a non-Latin script (CJK, Hangul,
// Cyrillic, Arabic, Thai) in an answer to an instruction that has none.
const SCRIPTS = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Cyrillic}\p{Script=Arabic}\p{Script=Thai}`;
const RUN = new RegExp(`[${SCRIPTS}]{12,}`, 'u');
const ANY = new RegExp(`[${SCRIPTS}]`, 'u');
const CODE = /```[\s\S]*?```/g;
// Read by hand (SOURCE.md). Instructions whose answers rightly carry another script: Thai dish
// names (#32), Japanese mnemonics for a learner of Kanji (#349).
const NOT_SWITCH_INSTRUCTIONS = new Set([32, 349]);
// Left out: a translation the user asked for (#573), a slide introducing Cantonese written in
// Chinese (#247), and answers of scrambled characters that are no language.
const LEFT_OUT_INSTRUCTIONS = new Set([573, 247]);
const LEFT_OUT = new Set([
  'tulu-2-dpo-7b#64',
  'tulu-2-dpo-7b#77',
  'tulu-2-dpo-7b#339',
  'tulu-2-dpo-7b#606',
  'tulu-2-dpo-7b#625',
  'tulu-2-dpo-7b#766',
  'tulu-2-dpo-70b-ExPO#345',
  'tulu-2-dpo-70b-ExPO#420',
  'tulu-2-dpo-7b-ExPO#346',
  'Samba-CoE-v0.2#220',
  'Snorkel-Mistral-PairRM-DPO#404',
  'aligner-2b_qwen1.5-72b-chat#110',
]);
/** English answers with no such run: two per model, the lowest by SHA-256 of `<model>:<row>`. */
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
  const plain = new Map<string, Array<[string, Record<string, unknown>]>>();
  let switches = 0;
  let hard = 0;
  for (const path of files) {
    const model = path.split('/')[1] as string;
    let rows: Array<Record<string, unknown>>;
    try {
      rows = JSON.parse(git('show', `${commit}:${path}`)) as Array<Record<string, unknown>>;
    } catch {
      continue; // a file the clone does not hold (a shallow or partial snapshot)
    }
    rows.forEach((r, i) => {
      const output = r['output'];
      const instruction = r['instruction'];
      if (typeof output !== 'string' || typeof instruction !== 'string' || !output.trim()) return;
      if (ANY.test(instruction)) return;
      const key = `${model}#${i}`;
      const ref = (field: string) => ({ kind: 'json', repo: REPO, path, json: [i, field], commit });
      const item: Record<string, unknown> = {
        id: `${REPO}:${path}#${i}`,
        group: instruction,
        question: ref('instruction'),
        response: ref('output'),
        model: ref('generator'),
        question_lang: 'en',
        labels: {},
        sha256: sha256(output),
      };
      if (RUN.test(output.replace(CODE, ' '))) {
        if (LEFT_OUT.has(key) || LEFT_OUT_INSTRUCTIONS.has(i)) return;
        const switched = !NOT_SWITCH_INSTRUCTIONS.has(i);
        item['labels'] = { language_mismatch: switched };
        if (switched) switches++;
        else hard++;
        items.push(item);
      } else if (!ANY.test(output)) {
        item['labels'] = { language_mismatch: false };
        item['response_lang'] = 'en';
        plain.set(model, [...(plain.get(model) ?? []), [sha256(`${model}:${i}`), item]]);
      }
    });
  }
  let others = 0;
  for (const xs of plain.values())
    for (const [, x] of xs.sort((a, b) => (a[0] < b[0] ? -1 : 1)).slice(0, NEGATIVES_PER_MODEL)) {
      items.push(x);
      others++;
    }
  items.sort((a, b) => ((a['id'] as string) < (b['id'] as string) ? -1 : 1));
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'datasets', DATASET, 'manifest.json');
  writeFileSync(
    out,
    `{\n  "dataset": "${DATASET}",\n  "items": [\n${items.map((x) => `    ${JSON.stringify(x)}`).join(',\n')}\n  ]\n}\n`,
  );
  console.log(
    `${items.length} items (${switches} switches, ${hard} hard negatives, ${others} other answers) -> ${out}`,
  );
}

const args = process.argv.slice(2);
if (args[0] === '--select') select(args[1] ?? '.', args[2] ?? 'HEAD');
else buildFromManifest(DATASET, args);
