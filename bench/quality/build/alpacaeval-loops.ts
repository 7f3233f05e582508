/**
 * The alpacaeval-loops sample: real answers from AlpacaEval's committed results
 * (tatsu-lab/alpaca_eval, Apache-2.0), labeled for degenerate repetition loops (see SOURCE.md).
 *
 *   npx tsx bench/quality/build/alpacaeval-loops.ts tatsu-lab/alpaca_eval=/path/to/clone
 *       rebuilds items.jsonl from the committed manifest.json (texts checked by SHA-256);
 *   npx tsx bench/quality/build/alpacaeval-loops.ts --select /path/to/clone <commit> [--list]
 *       chooses the items again and rewrites manifest.json (--list prints the candidates to read).
 */
import { deflateSync } from 'node:zlib';
import { alpacaEvalAnswers, PerModel, writeManifest, type Answer } from './alpacaeval.ts';
import { buildFromManifest } from './provider-error-bodies.ts';

const DATASET = 'alpacaeval-loops';

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

const deflatedShare = (text: string): number => {
  const bytes = Buffer.from(text, 'utf8');
  return deflateSync(bytes, { level: 9 }).length / bytes.length;
};

function select(gitDir: string, commit: string, list: boolean): void {
  const loops = new PerModel();
  const plain = new PerModel();
  const hard = new PerModel();
  const share = new Map<string, number>();
  for (const a of alpacaEvalAnswers(gitDir, commit)) {
    if (a.output.trim().length < MIN_CHARS) continue;
    const s = deflatedShare(a.output);
    share.set(a.key, s);
    if (s < LOOP_RATIO) loops.add(a);
    else if (s >= PLAIN_RATIO) plain.add(a);
    if (STRONG_MODELS.test(a.model) && s >= LOOP_RATIO) hard.add(a);
  }
  const shareOf = (a: Answer) => share.get(a.key) as number;
  const items: Array<Record<string, unknown>> = [];
  const taken = new Set<string>();
  const take = (answers: Answer[], loop: boolean): number => {
    const before = items.length;
    for (const a of answers) {
      if (LEFT_OUT.has(a.key) || (loop && LEFT_OUT_INSTRUCTIONS.has(a.row)) || taken.has(a.key)) continue;
      taken.add(a.key);
      a.item['labels'] = { loop };
      items.push(a.item);
      if (list)
        console.log(
          `${loop ? 'LOOP' : 'NOT '} ${shareOf(a).toFixed(3)} ${a.key} ${JSON.stringify(a.instruction.slice(0, 60))}\n     ${JSON.stringify(a.output.slice(-200))}`,
        );
    }
    return items.length - before;
  };
  const counts = [
    take(loops.take(CANDIDATES_PER_MODEL), true),
    take(
      hard.take(HARD_PER_MODEL, (a, b) => shareOf(a) - shareOf(b)),
      false,
    ),
    take(plain.take(NEGATIVES_PER_MODEL), false),
  ];
  const out = writeManifest(DATASET, items);
  console.log(
    `${items.length} items (${counts[0]} loops, ${counts[1]} hard negatives, ${counts[2]} other answers) -> ${out}`,
  );
}

const args = process.argv.slice(2);
if (args[0] === '--select') select(args[1] ?? '.', args[2] ?? 'HEAD', args.includes('--list'));
else buildFromManifest(DATASET, args);
