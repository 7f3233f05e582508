/**
 * The alpacaeval-loops sample: real answers from AlpacaEval's committed results
 * (tatsu-lab/alpaca_eval, Apache-2.0), labeled for degenerate repetition loops (see SOURCE.md).
 *
 *   npx tsx bench/quality/build/alpacaeval-loops.ts tatsu-lab/alpaca_eval=/path/to/clone
 *       rebuilds items.jsonl from the committed manifest.json (texts checked by SHA-256);
 *   npx tsx bench/quality/build/alpacaeval-loops.ts --select /path/to/clone <commit> [--list]
 *       chooses the items again and rewrites manifest.json (--list prints the candidates to read).
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { buildFromManifest } from './provider-error-bodies.ts';

const DATASET = 'alpacaeval-loops';
const REPO = 'tatsu-lab/alpaca_eval';

/** Candidates: answers of 120+ characters that deflate to under 5 % of their UTF-8 size. */
const MIN_CHARS = 120;
const LOOP_RATIO = 0.05;
const CANDIDATES_PER_MODEL = 2;
/** Other answers: deflated to 20 % or more (no long repeat), two per model. */
const PLAIN_RATIO = 0.2;
const NEGATIVES_PER_MODEL = 2;
/** The most repetitive answers of these models, read by hand: lists, tables and code that repeat for a reason. */
const STRONG_MODELS =
  /^(?:gpt4|gpt-4|claude-3|claude-2|gemini|Meta-Llama-3-70B|Meta-Llama-3\.1-405B|Qwen2-72B|mistral-large|yi-large)/;
const HARD_PER_MODEL = 2;

// Read by hand (SOURCE.md). Candidates that are not loops or that cannot be decided, left out:
const LEFT_OUT = new Set([
  'bedrock_claude#468', // braille art of blank cells
  'gpt35_turbo_instruct#467', // braille art
  'Mixtral-8x22B-Instruct-v0.1#624', // a long rhyme list that may or may not cycle
  'Mistral-7B-Instruct-v0.3#495', // a long list of paraphrases, each different
  'Mistral-7B-Instruct-v0.3#536', // a long list of hashtags, each different
  'oasst-rlhf-llama-33b#662', // "David wears a … everyday." with a different hat each line
  'wizardlm-70b#655', // ABC notation whose bars repeat as a tune's may
  'falcon-40b-instruct#512', // a chessboard drawn with & cells
  'falcon-7b-instruct#704', // a list of regions for a spreadsheet
  'alpaca-farm-ppo-human#619', // an empty table
  'yi-large-preview#466', // Shakespeare Programming Language: its statements repeat by design
  'claude-3-sonnet-20240229#468', // braille art of blank cells (among the hard negatives)
  'claude-3-opus-20240229#619', // a table padded with thousands of spaces (among the hard negatives)
]);
/** Malbolge programs (#294, and gemini's #231): whether a repeated chunk of such code is a loop cannot be told. */
const LEFT_OUT_INSTRUCTIONS = new Set([294, 231]);

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const deflatedShare = (text: string): number => {
  const bytes = Buffer.from(text, 'utf8');
  return deflateSync(bytes, { level: 9 }).length / bytes.length;
};

function select(gitDir: string, commit: string, list: boolean): void {
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', gitDir, ...args], {
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString('utf8');
  const files = git('ls-tree', '-r', commit, '--name-only')
    .split('\n')
    .filter((f) => f.startsWith('results/') && f.endsWith('/model_outputs.json'))
    .sort();
  type Row = {
    key: string;
    hash: string;
    share: number;
    item: Record<string, unknown>;
    text: string;
    q: string;
  };
  const loops = new Map<string, Row[]>();
  const plain = new Map<string, Row[]>();
  const hard = new Map<string, Row[]>();
  const add = (pool: Map<string, Row[]>, model: string, row: Row) =>
    pool.set(model, [...(pool.get(model) ?? []), row]);
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
      if (typeof output !== 'string' || typeof instruction !== 'string' || output.trim().length < MIN_CHARS)
        return;
      const key = `${model}#${i}`;
      const ref = (field: string) => ({ kind: 'json', repo: REPO, path, json: [i, field], commit });
      const item: Record<string, unknown> = {
        id: `${REPO}:${path}#${i}`,
        group: instruction,
        question: ref('instruction'),
        response: ref('output'),
        model: ref('generator'),
        labels: {},
        sha256: sha256(output),
      };
      const row: Row = {
        key,
        hash: sha256(`${model}:${i}`),
        share: deflatedShare(output),
        item,
        text: output,
        q: instruction,
      };
      if (row.share < LOOP_RATIO) add(loops, model, row);
      else if (row.share >= PLAIN_RATIO) add(plain, model, row);
      if (STRONG_MODELS.test(model) && row.share >= LOOP_RATIO) add(hard, model, row);
    });
  }
  const items: Array<Record<string, unknown>> = [];
  const take = (pool: Map<string, Row[]>, n: number, order: (a: Row, b: Row) => number, loop: boolean) => {
    const before = items.length;
    for (const rows of pool.values())
      for (const row of [...rows].sort(order).slice(0, n)) {
        if (LEFT_OUT.has(row.key) || (loop && LEFT_OUT_INSTRUCTIONS.has(Number(row.key.split('#')[1]))))
          continue;
        row.item['labels'] = { loop };
        items.push(row.item);
        if (list)
          console.log(
            `${loop ? 'LOOP' : 'NOT '} ${row.share.toFixed(3)} ${row.key} ${JSON.stringify(row.q.slice(0, 60))}\n     ${JSON.stringify(row.text.slice(-200))}`,
          );
      }
    return items.length - before;
  };
  const byHash = (a: Row, b: Row) => (a.hash < b.hash ? -1 : 1);
  const counts = [
    take(loops, CANDIDATES_PER_MODEL, byHash, true),
    take(hard, HARD_PER_MODEL, (a, b) => a.share - b.share, false),
    take(plain, NEGATIVES_PER_MODEL, byHash, false),
  ];
  const seen = new Set<string>();
  const unique = items.filter((x) => !seen.has(x['id'] as string) && seen.add(x['id'] as string));
  unique.sort((a, b) => ((a['id'] as string) < (b['id'] as string) ? -1 : 1));
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'datasets', DATASET, 'manifest.json');
  writeFileSync(
    out,
    `{\n  "dataset": "${DATASET}",\n  "items": [\n${unique.map((x) => `    ${JSON.stringify(x)}`).join(',\n')}\n  ]\n}\n`,
  );
  console.log(
    `${unique.length} items (${counts[0]} loops, ${counts[1]} hard negatives, ${counts[2]} other answers) -> ${out}`,
  );
}

const args = process.argv.slice(2);
if (args[0] === '--select') select(args[1] ?? '.', args[2] ?? 'HEAD', args.includes('--list'));
else buildFromManifest(DATASET, args);
