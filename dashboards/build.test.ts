import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDashboards, JSON_DIR } from './build/index.ts';

describe('dashboards/json', () => {
  const built = buildDashboards();

  it('holds exactly the dashboards the build defines', () => {
    const files = readdirSync(JSON_DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(
      Object.keys(built)
        .map((n) => `${n}.json`)
        .sort(),
    );
  });

  it.each(Object.entries(built))(
    '%s.json is what dashboards/build produces (run `npx tsx dashboards/build/index.ts`)',
    (name, d) => {
      const committed: unknown = JSON.parse(readFileSync(`${JSON_DIR}${name}.json`, 'utf8'));
      expect(committed).toEqual(JSON.parse(JSON.stringify(d)));
    },
  );

  it('gives alerts a stable provider × route target with the variables they set', () => {
    const d = built['provider-route'];
    expect(d?.uid).toBe('assay-provider-route');
    expect(d?.templating.list.map((v) => [v.name, v.includeAll, v.multi])).toEqual([
      ['service', true, true],
      ['provider', true, true],
      ['route', true, true],
      ['model', true, true],
    ]);
  });
});
