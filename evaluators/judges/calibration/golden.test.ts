import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgesConfigSchema } from '../config.ts';
import { BUILT_IN_RUBRIC_IDS } from '../rubric-templates.ts';
import { goldenSetsFor, loadGoldenSet, SHIPPED_GOLDEN_DIR } from './golden.ts';

const dir = mkdtempSync(join(tmpdir(), 'assay-golden-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('golden sets', () => {
  it('ships one per rubric with public data, each with both verdicts', () => {
    const sets = goldenSetsFor({ golden_sets: [], shipped_sets: true }, new Set(BUILT_IN_RUBRIC_IDS));
    expect(sets.map((s) => [s.rubric, s.items.length])).toEqual([
      ['confirm_language', 40],
      ['confirm_refusal', 40],
    ]);
    for (const s of sets) {
      expect(s.items.filter((i) => i.expected === 'pass')).toHaveLength(20);
      expect(s.hash).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it('a configured set replaces the shipped one of its rubric; shipped sets can be turned off', () => {
    const own = file('mine.jsonl', '{"id":"a","question":"q","answer":"a","expected":"pass"}\n');
    const rubrics = new Set(BUILT_IN_RUBRIC_IDS);
    const sets = goldenSetsFor(
      { golden_sets: [{ rubric: 'confirm_refusal', file: own }], shipped_sets: true },
      rubrics,
    );
    expect(sets.map((s) => `${s.rubric}:${s.name}`)).toEqual([
      'confirm_refusal:mine',
      'confirm_language:confirm_language',
    ]);
    expect(goldenSetsFor({ golden_sets: [], shipped_sets: false }, rubrics, SHIPPED_GOLDEN_DIR)).toEqual([]);
  });

  it.each([
    ['{"id":"a","question":"q","answer":"a","expected":"maybe"}', /bad\.jsonl:1: expected: /],
    ['{"id":"a","question":"q","answer":"a","expected":"pass"}\nnot json', /bad\.jsonl:2: not valid JSON/],
    [
      '{"id":"a","question":"q","answer":"a","expected":"pass"}\n{"id":"a","question":"q","answer":"b","expected":"fail"}',
      /bad\.jsonl:2: duplicate id "a"/,
    ],
    ['\n', /bad\.jsonl: no items/],
  ])('names the file, the line and the reason: %s', (text, message) => {
    expect(() => loadGoldenSet('relevance', file('bad.jsonl', text))).toThrow(message);
  });

  it('config: a golden set names a known rubric, one set per rubric', () => {
    const res = judgesConfigSchema.safeParse({
      calibration: {
        golden_sets: [
          { rubric: 'no_such_rubric', file: 'a.jsonl' },
          { rubric: 'relevance', file: 'b.jsonl' },
          { rubric: 'relevance', file: 'c.jsonl' },
        ],
      },
    });
    expect(res.success).toBe(false);
    expect(res.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'calibration.golden_sets.0.rubric: unknown rubric "no_such_rubric"',
      'calibration.golden_sets.2.rubric: a second golden set for "relevance"',
    ]);
    const ok = judgesConfigSchema.parse({});
    expect(ok.calibration).toMatchObject({ enabled: true, interval: 86_400_000, shipped_sets: true });
  });
});
