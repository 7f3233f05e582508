import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Placeholders of `storage/migrations/*.sql` for a single-node test database. */
export interface SchemaParams {
  database: string;
  ttlDays: number;
  rollupTtlDays: number;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('../../../storage/migrations/', import.meta.url));

/**
 * The statements of every migration, in order, with placeholders filled for a single node:
 * `{engine:X}` → `X`, no cluster. Mirrors what `storage/migrate.ts` does so dashboard tests run
 * against the real schema without depending on the migration runner.
 */
export function migrationStatements(p: SchemaParams): string[] {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.*\.sql$/.test(f))
    .sort();
  const statements = [`CREATE DATABASE IF NOT EXISTS ${p.database}`];
  for (const file of files) {
    const sql = readFileSync(`${MIGRATIONS_DIR}${file}`, 'utf8')
      .replace(/\{db\}/g, p.database)
      .replace(/\{ttl_days\}/g, String(p.ttlDays))
      .replace(/\{rollup_ttl_days\}/g, String(p.rollupTtlDays))
      .replace(/\{engine:([^}]+)\}/g, '$1');
    for (const chunk of sql.split(/;\s*(?:\n|$)/)) {
      const code = chunk
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .trim();
      if (code) statements.push(code);
    }
  }
  return statements;
}
