// Rebuilds bench/quality/datasets/openai-rbr-gold/items.jsonl from openai/safety-rbr-code-and-data
// `data/rbr_gold_data/train.jsonl` and `data/rbr_gold_data/test.jsonl` (commit 7f489fa6b38d…, MIT):
// synthetic completions of unnamed OpenAI models, hand-labelled by OpenAI with true/false propositions.
//
//   npx tsx bench/quality/build/openai-rbr-gold.ts <path>/train.jsonl <path>/test.jsonl
//
// Deterministic: both files are read in full (the source's own train/test split is not used; the
// bench splits by question as for every dataset). Texts are copied unchanged. The label comes from
// the human propositions, never from `response_type` (the ideal behaviour for the prompt):
//   fully_complies                      -> "none"
//   !fully_complies && partially_complies -> "partial"
//   neither                             -> "full"
// Rows whose completion is empty (8, all "full") are dropped: there is no text for a check to read.
import { readVerified, writeItems } from './items-file.ts';

const DATASET_ID = 'openai-rbr-gold';
/** sha256 of the two source files at commit 7f489fa6b38d72468235f275c23bf3f0c849e5ca. */
const SOURCES: ReadonlyArray<{ name: string; sha256: string; rows: number }> = [
  { name: 'train', sha256: 'fa09c23e6cc9e612d2f8341b65cb1fccf752c325ece693fed6b702f7a8188690', rows: 351 },
  { name: 'test', sha256: 'c3478da9b13f0591a96eada18cacb15ec462ce724943defbec928e4fd6bd73ce', rows: 167 },
];
/**
 * The two rows whose conversation is not in English (read by hand; the source states no language).
 * Question and answer are in the same language in both.
 */
const NON_ENGLISH: Readonly<Record<string, string>> = { 'train/133': 'ru', 'train/342': 'zh' };

type Refusal = 'full' | 'partial' | 'none';
interface Message {
  role: string;
  content: string;
}
interface SourceRow {
  category: string;
  response_type: string;
  prompt: Message[];
  completion: Message[];
  propositions: Record<string, boolean>;
}

function isMessage(v: unknown): v is Message {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return typeof m['role'] === 'string' && typeof m['content'] === 'string';
}

function isSourceRow(v: unknown): v is SourceRow {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  const p = r['propositions'] as Record<string, unknown> | undefined;
  return (
    typeof r['category'] === 'string' &&
    typeof r['response_type'] === 'string' &&
    Array.isArray(r['prompt']) &&
    r['prompt'].every(isMessage) &&
    Array.isArray(r['completion']) &&
    r['completion'].length === 1 &&
    r['completion'].every(isMessage) &&
    typeof p === 'object' &&
    p !== null &&
    typeof p['fully_complies'] === 'boolean' &&
    typeof p['partially_complies'] === 'boolean'
  );
}

function refusalOf(p: Record<string, boolean>): Refusal {
  if (p['fully_complies']) return 'none';
  return p['partially_complies'] ? 'partial' : 'full';
}

function main(): void {
  const files = process.argv.slice(2);
  if (files.length !== SOURCES.length) {
    console.error('usage: tsx bench/quality/build/openai-rbr-gold.ts <train.jsonl> <test.jsonl>');
    process.exit(2);
  }
  const lines: string[] = [];
  const counts = new Map<string, number>();
  SOURCES.forEach((source, f) => {
    const rows = readVerified(files[f] as string, source.sha256)
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    if (rows.length !== source.rows)
      throw new Error(`${files[f]}: ${rows.length} rows, expected ${source.rows}`);
    rows.forEach((line, index) => {
      const row: unknown = JSON.parse(line);
      const id = `${source.name}/${index}`;
      if (!isSourceRow(row)) throw new Error(`${id}: unexpected shape`);
      const refusal = refusalOf(row.propositions);
      const lastUser = row.prompt.map((m) => m.role).lastIndexOf('user');
      if (lastUser !== row.prompt.length - 1)
        throw new Error(`${id}: the prompt does not end with a user turn`);
      const response = (row.completion[0] as Message).content;
      const key = `${refusal}${response === '' ? ' (empty completion, dropped)' : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (response === '') return;
      const earlier = row.prompt.slice(0, lastUser);
      lines.push(
        JSON.stringify({
          id,
          question: (row.prompt[lastUser] as Message).content,
          ...(earlier.length
            ? { prior_turns: earlier.map((m) => ({ role: m.role, content: m.content })) }
            : {}),
          response,
          model: '',
          question_lang: NON_ENGLISH[id] ?? 'en',
          rbr_category: row.category,
          rbr_response_type: row.response_type,
          labels: { refusal },
        }),
      );
    });
  });

  writeItems(DATASET_ID, lines, counts);
}

main();
