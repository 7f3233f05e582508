import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { configSchema } from './config.ts';

/** Every key path a user can set, from the schema itself (objects, arrays of objects, wrappers). */
function keyPaths(schema: z.ZodType, prefix: string[] = []): string[][] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  switch (def['type']) {
    case 'object': {
      const shape = def['shape'] as Record<string, z.ZodType>;
      return Object.entries(shape).flatMap(([k, v]) => {
        const inner = keyPaths(v, [...prefix, k]);
        return inner.length > 0 ? inner : [[...prefix, k]];
      });
    }
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'catch':
      return keyPaths(def['innerType'] as z.ZodType, prefix);
    case 'pipe':
      return keyPaths(def['in'] as z.ZodType, prefix);
    case 'union': {
      // A discriminated union (alerts.channels[], one schema per type): every option's keys, once.
      const seen = new Set<string>();
      return (def['options'] as z.ZodType[])
        .flatMap((o) => keyPaths(o, prefix))
        .filter((p) => !seen.has(p.join('.')) && seen.add(p.join('.')));
    }
    case 'array': {
      const inner = keyPaths(def['element'] as z.ZodType, prefix);
      return inner.some((p) => p.length > prefix.length) ? inner : [];
    }
    default:
      return [];
  }
}

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
const section = README.slice(README.indexOf('## Configuration'), README.indexOf('## The data contract'));

/** The table row of a top-level section (`| \`collector\` | … |`), or the top-level row. */
function rowOf(top: string): string {
  const rows = section.split('\n').filter((l) => l.startsWith('|'));
  const own = rows.find((r) => r.startsWith(`| \`${top}\` |`));
  return own ?? rows.find((r) => r.startsWith('| top level |')) ?? '';
}

describe('the README configuration reference', () => {
  it('names every key of the schema', () => {
    const missing: string[] = [];
    for (const path of keyPaths(configSchema)) {
      const [top, ...rest] = path as [string, ...string[]];
      const row = rest.length === 0 ? rowOf('top level') : rowOf(top);
      const last = rest.length === 0 ? top : (rest.at(-1) as string);
      // Selectors are documented once, above the table.
      if (rest.includes('match') && /selectors \(`match`\) are globs on/.test(section)) continue;
      // A key is documented where its row names it in backticks, alone or as the end of a path
      // (`route.wait`, `checks: {…}`), or under a wildcard of its parent (`http.*`).
      const named = new RegExp(`\`(?:[\\w.\\[\\]*]*\\.)?${last}(?=[\`\\[:( ])`).test(row);
      const parent = rest.slice(0, -1).join('.');
      const wildcard = parent !== '' && row.includes(`${parent.split('.').at(-1) ?? ''}.*\``);
      if (!named && !wildcard) missing.push(path.join('.'));
    }
    expect(missing).toEqual([]);
  });
});
