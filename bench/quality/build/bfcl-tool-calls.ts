/**
 * Rebuilds bench/quality/datasets/bfcl-tool-calls/items.jsonl from a clone of
 * ShishirPatil/gorilla (Berkeley Function-Calling Leaderboard), read at one commit with `git show`:
 *
 *   npx tsx bench/quality/build/bfcl-tool-calls.ts /path/to/gorilla-clone
 *
 * For each category: the questions with their function definitions (`bfcl_eval/data/`), one
 * model's raw tool calls (`result/glyphh-ada-1.1/…_result.json`: the arguments string exactly as
 * the model returned it) and BFCL's own checker verdicts (`score/glyphh-ada-1.1/…_score.json`:
 * every entry it failed, with an `error_type`). The definitions are converted the way BFCL's
 * OpenAI-style handlers do before sending them (`convert_to_tool` with GORILLA_TO_OPENAPI:
 * `dict` → `object`, `float` → `number`, `tuple` → `array`, `any` → `string`), which is what a
 * producer's span would record. Nothing else is changed.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const COMMIT = 'c1bf9058703249cf6a7c6204508178519d351e8e';
const B = 'berkeley-function-call-leaderboard';
const MODEL = 'glyphh-ada-1.1';
const CATEGORIES = [
  ['non_live', 'simple_python'],
  ['non_live', 'multiple'],
  ['non_live', 'parallel'],
  ['live', 'live_simple'],
  ['live', 'live_multiple'],
] as const;

/** BFCL error types that say the call breaks its declared schema (a required argument missing, a value of the wrong type). */
export const SCHEMA_ERRORS = new Set([
  'simple_function_checker:missing_required',
  'type_error:simple',
  'type_error:nested',
]);

/** bfcl_eval/constants/type_mappings.py at COMMIT. */
const GORILLA_TO_OPENAPI: Record<string, string> = {
  integer: 'integer',
  number: 'number',
  float: 'number',
  string: 'string',
  boolean: 'boolean',
  bool: 'boolean',
  array: 'array',
  list: 'array',
  dict: 'object',
  object: 'object',
  tuple: 'array',
  any: 'string',
};

function convert(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(convert);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'type' && typeof v === 'string') out[k] = GORILLA_TO_OPENAPI[v] ?? v;
    else if (k === 'properties' && typeof v === 'object' && v !== null)
      out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, convert(s)]));
    else if (k === 'items' || k === 'additionalProperties') out[k] = convert(v);
    else out[k] = v;
  }
  return out;
}

const show = (repo: string, path: string): string =>
  execFileSync('git', ['-C', repo, 'show', `${COMMIT}:${path}`], { encoding: 'utf8', maxBuffer: 1 << 28 });
const jsonl = (text: string): Array<Record<string, unknown>> =>
  text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

interface Fn {
  name: string;
  description?: string;
  parameters?: unknown;
}

const repo = process.argv[2];
if (!repo) throw new Error('usage: tsx bench/quality/build/bfcl-tool-calls.ts /path/to/gorilla-clone');
const lines: string[] = [];
for (const [folder, category] of CATEGORIES) {
  const questions = new Map(
    jsonl(show(repo, `${B}/bfcl_eval/data/BFCL_v4_${category}.json`)).map((q) => [q['id'] as string, q]),
  );
  const results = jsonl(show(repo, `${B}/result/${MODEL}/${folder}/BFCL_v4_${category}_result.json`));
  const scores = jsonl(show(repo, `${B}/score/${MODEL}/${folder}/BFCL_v4_${category}_score.json`)).slice(1);
  const errors = new Map(scores.map((s) => [s['id'] as string, s['error_type'] as string]));
  for (const r of results) {
    const id = r['id'] as string;
    const q = questions.get(id);
    const raw = r['result'];
    // A text answer instead of tool calls: nothing for a tool-call check to read.
    if (!q || !Array.isArray(raw)) continue;
    const calls = raw.flatMap((c: Record<string, unknown>) =>
      Object.entries(c).map(([name, args]) => ({
        name,
        arguments: typeof args === 'string' ? args : JSON.stringify(args),
      })),
    );
    if (calls.length === 0) continue;
    const fns = (q['function'] as Fn[]).map((f) => ({
      type: 'function',
      name: f.name,
      description: f.description,
      parameters: convert(f.parameters),
    }));
    const turns = q['question'] as Array<Array<{ role: string; content: string }>>;
    const user =
      turns
        .flat()
        .filter((m) => m.role === 'user')
        .at(-1)?.content ?? '';
    const errorType = errors.get(id) ?? '';
    // BFCL failed the call (any error type) → tool_call_wrong; for a type or missing-required
    // error the call also breaks its declared schema → tool_call_invalid. Value, count and
    // function-choice errors break no schema: those calls are negatives of tool_call_valid.
    const labels = { tool_call_invalid: SCHEMA_ERRORS.has(errorType), tool_call_wrong: errorType !== '' };
    lines.push(
      JSON.stringify({
        id,
        group: id,
        question: user,
        response: '',
        model: MODEL,
        finish_reason: 'tool_call',
        tool_calls: JSON.stringify(calls),
        tool_definitions: JSON.stringify(fns.map(({ type: _, ...f }) => f)),
        bfcl_error_type: errorType,
        labels,
      }),
    );
  }
}
writeFileSync(
  join(import.meta.dirname, '..', 'datasets', 'bfcl-tool-calls', 'items.jsonl'),
  `${lines.join('\n')}\n`,
);
process.stdout.write(`${lines.length} items\n`);
