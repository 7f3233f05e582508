import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL, expandMacros } from './support/grafana-macros.ts';
import { migrationStatements } from './support/dashboards/schema.ts';
import { seedData } from './support/dashboards/seed.ts';

// The evaluations dashboard's "Judges vs user feedback" panel on the real ClickHouse engine with
// the dashboards' seed: its raw agreement and Cohen's kappa equal the ones computed here from
// the plain 2×2 table of judge verdict × user feedback on the same calls.

const now = Date.now();
let dir: string;
let session: Session;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assay-judge-agreement-'));
  session = new Session(dir);
  for (const stmt of migrationStatements({ database: 'assay', ttlDays: 30, rollupTtlDays: 400 }))
    await session.queryAsync(stmt);
  // The dashboards name no database: they read the datasource's default one.
  await session.queryAsync('USE assay');
  const seed = await seedData(now);
  await session.insert({ table: 'assay.llm_scores', values: seed.llm_scores });
});

afterAll(() => {
  session?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const rows = async <T>(sql: string): Promise<T[]> =>
  (await session.queryAsync(sql, { format: 'JSONEachRow' }))
    .text()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

describe('Judges vs user feedback: agreement', () => {
  it("shows the raw agreement and Cohen's kappa of the 2×2 table", async () => {
    const cells = await rows<{ j: number; f: number; n: number }>(
      `SELECT j.passed AS j, f.passed AS f, count() AS n
       FROM (SELECT trace_id, span_id, passed FROM assay.llm_scores WHERE kind = 'judge') AS j
       INNER JOIN (SELECT trace_id, span_id, passed FROM assay.llm_scores WHERE kind = 'feedback') AS f
       USING (trace_id, span_id) GROUP BY j, f`,
    );
    const n = cells.reduce((a, c) => a + Number(c.n), 0);
    const count = (j: number, f: number) => Number(cells.find((c) => c.j === j && c.f === f)?.n ?? 0);
    const observed = (count(0, 0) + count(1, 1)) / n;
    const judgePass = (count(1, 0) + count(1, 1)) / n;
    const userPass = (count(0, 1) + count(1, 1)) / n;
    const chance = judgePass * userPass + (1 - judgePass) * (1 - userPass);
    const kappa = (observed - chance) / (1 - chance);
    // The seed has disagreements both ways and agreements on both outcomes.
    expect(count(0, 0)).toBeGreaterThan(0);
    expect(count(1, 1)).toBeGreaterThan(0);
    expect(count(0, 1) + count(1, 0)).toBeGreaterThan(0);

    const dash = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', 'dashboards', 'json', 'evaluations.json'), 'utf8'),
    ) as {
      panels: { title: string; targets: { rawSql: string }[] }[];
    };
    const panel = dash.panels.find((p) => p.title === 'Judges vs user feedback: agreement');
    const sql = expandMacros(panel?.targets[0]?.rawSql ?? '', {
      from: new Date(now - 3.5 * 3600_000),
      to: new Date(now),
      intervalSeconds: 60,
      variables: { service: ALL, provider: ALL, route: ALL, model: ALL, evaluator: ALL },
    });
    const shown = await rows<{ judge: string; calls: number; raw_agreement: number; cohen_kappa: number }>(
      sql,
    );
    expect(shown).toHaveLength(1);
    expect(shown[0]?.judge).toBe('judge_relevance');
    expect(Number(shown[0]?.calls)).toBe(n);
    expect(shown[0]?.raw_agreement).toBeCloseTo(observed, 12);
    expect(shown[0]?.cohen_kappa).toBeCloseTo(kappa, 12);
    expect(kappa).toBeGreaterThan(0.5);
  });
});
