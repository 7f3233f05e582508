/** Reading a dataset's source files and writing its items.jsonl, shared by the build scripts. */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Writes `lines` (one JSON item each) to `bench/quality/datasets/<dataset>/items.jsonl` and
 * prints how many, with `counts` by key (sorted) when given.
 */
export function writeItems(
  dataset: string,
  lines: readonly string[],
  counts?: ReadonlyMap<string, number>,
): void {
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'datasets', dataset, 'items.jsonl');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, lines.map((l) => `${l}\n`).join(''));
  console.log(`${lines.length} items -> ${out}`);
  for (const [key, n] of [...(counts ?? [])].sort()) console.log(`  ${key}: ${n}`);
}

/** Reads a source file, and throws unless its sha256 is the one the dataset was built from. */
export function readVerified(path: string, sha256: string): Buffer {
  const bytes = readFileSync(path);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== sha256) throw new Error(`${path}: sha256 ${sha}, expected ${sha256}`);
  return bytes;
}
