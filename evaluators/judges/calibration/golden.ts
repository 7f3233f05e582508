import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { CalibrationConfig } from '../config.ts';

/** One golden example: what was asked, what was answered, and the verdict the rubric should reach. */
export const goldenItemSchema = z
  .object({
    id: z.string().min(1),
    question: z.string(),
    answer: z.string().min(1),
    reference: z.string().optional(),
    context: z.string().optional(),
    expected: z.enum(['pass', 'fail']),
  })
  .strict();
export type GoldenItem = z.output<typeof goldenItemSchema>;

/** A loaded golden set. `hash` changes with any byte of the file, so results name what they measured. */
export interface GoldenSet {
  name: string;
  rubric: string;
  /** 16 hex digits of sha256 over the file. */
  hash: string;
  items: GoldenItem[];
}

/** A golden set file that cannot be used; the message names the file, the line and the reason. */
export class GoldenSetError extends Error {
  override name = 'GoldenSetError';
}

/** The sets shipped with Assay, one `<rubric>.jsonl` per rubric (see README.md there). */
export const SHIPPED_GOLDEN_DIR = join(import.meta.dirname, '..', 'golden');

/** Parses one golden set file; throws {@link GoldenSetError} at the first bad line. */
export function loadGoldenSet(rubric: string, file: string, name?: string): GoldenSet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new GoldenSetError(`golden set ${file}: ${(err as Error).message}`);
  }
  const items: GoldenItem[] = [];
  const ids = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new GoldenSetError(`golden set ${file}:${i + 1}: not valid JSON`);
    }
    const parsed = goldenItemSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new GoldenSetError(
        `golden set ${file}:${i + 1}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    if (ids.has(parsed.data.id))
      throw new GoldenSetError(`golden set ${file}:${i + 1}: duplicate id "${parsed.data.id}"`);
    ids.add(parsed.data.id);
    items.push(parsed.data);
  });
  if (items.length === 0) throw new GoldenSetError(`golden set ${file}: no items`);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return { name: name ?? basename(file, '.jsonl'), rubric, hash, items };
}

/**
 * The golden sets a calibration run judges: the configured ones, plus the shipped set of every
 * other rubric that has one (when `shipped_sets`), limited to `rubrics` (those that exist).
 */
export function goldenSetsFor(
  cfg: Pick<CalibrationConfig, 'golden_sets' | 'shipped_sets'>,
  rubrics: ReadonlySet<string>,
  shippedDir: string = SHIPPED_GOLDEN_DIR,
): GoldenSet[] {
  const sets = cfg.golden_sets.map((g) => loadGoldenSet(g.rubric, g.file, g.name));
  if (!cfg.shipped_sets || !existsSync(shippedDir)) return sets;
  const configured = new Set(sets.map((s) => s.rubric));
  for (const file of readdirSync(shippedDir).sort()) {
    const rubric = basename(file, '.jsonl');
    if (!file.endsWith('.jsonl') || configured.has(rubric) || !rubrics.has(rubric)) continue;
    sets.push(loadGoldenSet(rubric, join(shippedDir, file)));
  }
  return sets;
}

/** The stored prompt form (`<role>: <content>` blocks) a golden item is judged as. */
export function goldenPrompt(item: Pick<GoldenItem, 'question' | 'context'>): string {
  return item.context ? `system: ${item.context}\n\nuser: ${item.question}` : `user: ${item.question}`;
}
