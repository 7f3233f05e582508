import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCheckPlan } from '../evaluators/checks/index.ts';
import { loadConfig } from './config.ts';

const root = new URL('../', import.meta.url);

describe('assay.example.yaml and the README example', () => {
  it('the README shows the same configuration as assay.example.yaml', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const block = /A realistic file[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README has a yaml block after "A realistic file"').toBeDefined();
    const file = readFileSync(new URL('assay.example.yaml', root), 'utf8');
    expect(parseYaml(block!)).toEqual(parseYaml(file));
  });

  it('validates, including every check parameter of its evaluator rules', () => {
    const config = loadConfig(new URL('assay.example.yaml', root).pathname);
    expect(config.alerts.rules.map((r) => r.name)).toEqual([
      'semantic-failure-regression',
      'refusal-pass-rate',
      'latency',
      'judge-drift',
    ]);
    expect(config.sampling.strata[0]).toMatchObject({ rate: 0.1, floor_per_minute: 20 });
    expect(() => createCheckPlan(config.evaluators, {})).not.toThrow();
  });
});
