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
import { alpacaEvalAnswers, PerModel, writeManifest } from './alpacaeval.ts';
import { buildFromManifest } from './provider-error-bodies.ts';

const DATASET = 'alpacaeval-language-switch';

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

function select(gitDir: string, commit: string): void {
  const items: Array<Record<string, unknown>> = [];
  const plain = new PerModel();
  let switches = 0;
  let hard = 0;
  for (const a of alpacaEvalAnswers(gitDir, commit)) {
    if (!a.output.trim() || ANY.test(a.instruction)) continue;
    a.item['question_lang'] = 'en';
    if (RUN.test(a.output.replace(CODE, ' '))) {
      if (LEFT_OUT.has(a.key) || LEFT_OUT_INSTRUCTIONS.has(a.row)) continue;
      const switched = !NOT_SWITCH_INSTRUCTIONS.has(a.row);
      a.item['labels'] = { language_mismatch: switched };
      if (switched) switches++;
      else hard++;
      items.push(a.item);
    } else if (!ANY.test(a.output)) {
      a.item['labels'] = { language_mismatch: false };
      a.item['response_lang'] = 'en';
      plain.add(a);
    }
  }
  const others = plain.take(NEGATIVES_PER_MODEL);
  items.push(...others.map((a) => a.item));
  const out = writeManifest(DATASET, items);
  console.log(
    `${items.length} items (${switches} switches, ${hard} hard negatives, ${others.length} other answers) -> ${out}`,
  );
}

const args = process.argv.slice(2);
if (args[0] === '--select') select(args[1] ?? '.', args[2] ?? 'HEAD');
else buildFromManifest(DATASET, args);
