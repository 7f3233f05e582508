/**
 * The alpacaeval-template-leaks sample: real answers of 200+ models from AlpacaEval's committed
 * results (tatsu-lab/alpaca_eval, Apache-2.0), labeled for prompt-template leaks (see SOURCE.md).
 *
 *   npx tsx bench/quality/build/alpacaeval-template-leaks.ts tatsu-lab/alpaca_eval=/path/to/clone
 *       rebuilds items.jsonl from the committed manifest.json (texts checked by SHA-256);
 *   npx tsx bench/quality/build/alpacaeval-template-leaks.ts --select /path/to/clone <commit>
 *       chooses the items again and rewrites manifest.json.
 */
import { alpacaEvalAnswers, PerModel, writeManifest } from './alpacaeval.ts';
import { buildFromManifest } from './provider-error-bodies.ts';

const DATASET = 'alpacaeval-template-leaks';

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

function select(gitDir: string, commit: string): void {
  const items: Array<Record<string, unknown>> = [];
  const leaks = new PerModel();
  const others = new PerModel();
  for (const a of alpacaEvalAnswers(gitDir, commit)) {
    if (!a.output.trim() || LEFT_OUT.has(a.key)) continue;
    const token = TOKEN.test(a.output);
    const heading = HEADING.test(a.output);
    let leak: boolean | undefined;
    if (NOT_LEAKS.has(a.key)) leak = false;
    else if (token) leak = true;
    else if (heading && !MAY_ASK.test(a.instruction) && TURN.test(a.output)) leak = true;
    else if (heading && HARD_NEGATIVES.has(a.row) && HASHED_TURN.test(a.output)) leak = true;
    else if (heading && HARD_NEGATIVES.has(a.row)) leak = false;
    else if (heading) continue;
    a.item['labels'] = { template_leak: leak ?? false };
    if (leak === undefined) others.add(a);
    else if (leak) leaks.add(a);
    else items.push(a.item);
  }
  // The same number from each model at most, the lowest by rank: no model dominates a label.
  const picked = [...leaks.take(POSITIVES_PER_MODEL), ...others.take(NEGATIVES_PER_MODEL)];
  items.push(...picked.map((a) => a.item));
  const out = writeManifest(DATASET, items);
  const n = items.filter((x) => (x['labels'] as { template_leak: boolean }).template_leak).length;
  console.log(`${items.length} items (${n} leaks) -> ${out}`);
}

const args = process.argv.slice(2);
if (args[0] === '--select') select(args[1] ?? '.', args[2] ?? 'HEAD');
else buildFromManifest(DATASET, args);
