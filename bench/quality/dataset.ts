/**
 * The labeled datasets of `bench/quality/datasets/` (see README.md there): loading, validation
 * and the deterministic train/dev/test split.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const DATASETS_DIR = join(import.meta.dirname, 'datasets');

const labelsSchema = z
  .object({
    refusal: z.enum(['full', 'partial', 'none']).optional(),
    language_mismatch: z.boolean().optional(),
    truncated: z.boolean().optional(),
    provider_error: z.boolean().optional(),
    loop: z.boolean().optional(),
    pii: z.enum(['person', 'business', 'none']).optional(),
    tool_call_invalid: z.boolean().optional(),
    tool_call_wrong: z.boolean().optional(),
    /** The answer shows prompt machinery: a chat-template token, an end-of-sequence marker, a turn of its own template. */
    template_leak: z.boolean().optional(),
  })
  .strict();

export const itemSchema = z
  .object({
    id: z.string().min(1),
    group: z.string().optional(),
    question: z.string(),
    system: z.string().optional(),
    response: z.string(),
    model: z.string().default(''),
    question_lang: z.string().optional(),
    response_lang: z.string().optional(),
    finish_reason: z.string().optional(),
    /** The answer's tool calls as the collector stores them (`[{name, arguments}]` JSON). */
    tool_calls: z.string().optional(),
    /** The tools offered, as the collector stores them (`[{name, description, parameters}]` JSON). */
    tool_definitions: z.string().optional(),
    labels: labelsSchema,
  })
  .passthrough();

export type Item = z.output<typeof itemSchema> & { dataset: string; split: Split };
export type Labels = z.output<typeof labelsSchema>;
export type Split = 'train' | 'dev' | 'test';

/** 60/20/20 by a hash of (dataset, group): every answer to one question stays in one split. */
export function splitOf(dataset: string, group: string): Split {
  const h = createHash('sha256').update(`${dataset}\0${group}`).digest().readUInt32BE(0) % 100;
  return h < 60 ? 'train' : h < 80 ? 'dev' : 'test';
}

/** Every dataset folder with an items.jsonl, validated; throws naming the file and line. */
export function loadDatasets(dir: string = DATASETS_DIR): Map<string, Item[]> {
  const out = new Map<string, Item[]>();
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, 'items.jsonl');
    if (!existsSync(file)) continue;
    const items: Item[] = [];
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!line.trim()) return;
        const parsed = itemSchema.safeParse(JSON.parse(line));
        if (!parsed.success)
          throw new Error(`${file}:${i + 1}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
        const group = parsed.data.group ?? parsed.data.question;
        items.push({ ...parsed.data, dataset: name, split: splitOf(name, group) });
      });
    out.set(name, items);
  }
  return out;
}

/** The stored-prompt form the collector writes (`<role>: <content>` blocks, blank-line separated). */
export function promptOf(item: Pick<Item, 'question' | 'system'>): string {
  const parts = item.system ? [`system: ${item.system}`] : [];
  parts.push(`user: ${item.question}`);
  return parts.join('\n\n');
}
