/**
 * Every Grafana dashboard in `dashboards/json/` is checked for structure, and every panel query,
 * variable query and annotation query is expanded the way the ClickHouse plugin expands it and
 * run against the real ClickHouse engine (chdb, in this process) over seeded data. A dashboard
 * whose SQL does not run, or returns the wrong columns, fails the build.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL, expandMacros } from './support/grafana-macros.ts';
import { migrationStatements } from './support/dashboards/schema.ts';
import { BROKEN, seedData, type Seed } from './support/dashboards/seed.ts';

/** A database name other than the default, as `clickhouse.database` may set. */
const DATABASE = 'observability';

const JSON_DIR = new URL('../dashboards/json/', import.meta.url).pathname;
const FILES = readdirSync(JSON_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const UID = 'assay-clickhouse';

interface Target {
  refId: string;
  editorType?: string;
  rawSql?: string;
  format?: number;
  datasource?: { uid?: string };
}
interface Panel {
  id: number;
  title: string;
  type: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid?: string };
  targets?: Target[];
}
interface Variable {
  name: string;
  type: string;
  query: { rawSql: string };
  datasource?: { uid?: string };
}
interface Annotation {
  name: string;
  builtIn?: number;
  datasource?: { uid?: string };
  target?: Target;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations: { list: Annotation[] };
}
interface Result {
  meta: { name: string; type: string }[];
  data: unknown[][];
}

/** One SQL statement of a dashboard with what it must return. */
interface Query {
  where: string;
  sql: string;
  kind: 'timeseries' | 'table' | 'variable' | 'annotation';
}

const dashboards = FILES.map((f) => ({
  file: f,
  d: JSON.parse(readFileSync(join(JSON_DIR, f), 'utf8')) as Dashboard,
}));

function queriesOf(d: Dashboard): Query[] {
  const out: Query[] = [];
  for (const v of d.templating.list)
    out.push({ where: `variable ${v.name}`, sql: v.query.rawSql, kind: 'variable' });
  for (const a of d.annotations.list) {
    if (a.target?.rawSql)
      out.push({ where: `annotation ${a.name}`, sql: a.target.rawSql, kind: 'annotation' });
  }
  for (const p of d.panels) {
    for (const t of p.targets ?? []) {
      out.push({
        where: `panel "${p.title}" ${t.refId}`,
        sql: t.rawSql ?? '',
        kind: t.format === 0 ? 'timeseries' : 'table',
      });
    }
  }
  return out;
}

const referencedVariables = (sql: string): string[] =>
  [...sql.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g)]
    .map((m) => m[1] ?? m[2] ?? '')
    .filter((n) => !n.startsWith('__'));

describe.each(dashboards)('dashboard $file: structure', ({ d }) => {
  it('has a uid, a title and unique panel ids that fit the 24-column grid', () => {
    expect(d.uid).toMatch(/^assay-[a-z-]+$/);
    expect(d.title).toBeTruthy();
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of d.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.gridPos.w * p.gridPos.h, p.title).toBeGreaterThan(0);
    }
  });

  it('uses the provisioned data source everywhere, with SQL targets in a known format', () => {
    for (const p of d.panels) {
      expect(p.datasource?.uid, p.title).toBe(UID);
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        expect(t.datasource?.uid, p.title).toBe(UID);
        expect(t.editorType, p.title).toBe('sql');
        expect(t.rawSql, p.title).toBeTruthy();
        expect([0, 1], p.title).toContain(t.format);
      }
      expect(new Set(p.targets?.map((t) => t.refId)).size, p.title).toBe(p.targets?.length);
    }
    for (const v of d.templating.list) expect(v.datasource?.uid, v.name).toBe(UID);
    for (const a of d.annotations.list.filter((x) => !x.builtIn)) expect(a.datasource?.uid, a.name).toBe(UID);
  });

  it('names no database, so its queries read the data source default (clickhouse.database)', () => {
    for (const q of queriesOf(d))
      expect(q.sql, q.where).not.toMatch(/\b\w+\.(llm_|call_verdicts|alert|pipeline_metrics)/);
  });

  it('bounds every query by the dashboard time range and references only variables it defines', () => {
    const names = new Set(d.templating.list.map((v) => v.name));
    for (const q of queriesOf(d)) {
      const bounded =
        /\$__timeFilter(_ms)?\(/.test(q.sql) ||
        (/\$__(fromTime|timeFrom)/.test(q.sql) && /\$__(toTime|timeTo)/.test(q.sql));
      expect(bounded, `${q.where} is not time-bounded`).toBe(true);
      for (const name of referencedVariables(q.sql))
        expect(names.has(name), `${q.where} uses undefined $${name}`).toBe(true);
    }
  });
});

describe('dashboard SQL on the embedded ClickHouse engine with seeded data', () => {
  let dir: string;
  let session: Session;
  let seed: Seed;
  const now = Date.now();
  const range = { from: new Date(now - 3.5 * 3600_000), to: new Date(now) };

  const run = async (sql: string): Promise<Result> =>
    (await session.queryAsync(sql, { format: 'JSONCompact' })).json<Result>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'assay-dashboards-'));
    session = new Session(dir);
    // Not `assay`: the queries name no database and read the datasource's default database
    // (provisioned as clickhouse.database), which `USE` stands in for.
    for (const stmt of migrationStatements({ database: DATABASE, ttlDays: 30, rollupTtlDays: 400 }))
      await session.queryAsync(stmt);
    await session.queryAsync(`USE ${DATABASE}`);
    seed = await seedData(now);
    for (const table of [
      'llm_calls',
      'llm_scores',
      'call_verdicts',
      'conversation_scores',
      'judge_calibration',
      'alerts',
      'alert_deliveries',
      'pipeline_metrics',
    ] as const) {
      await session.insert({
        table: `${DATABASE}.${table}`,
        values: seed[table] as Record<string, unknown>[],
      });
    }
  });

  afterAll(() => {
    session?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Variables at All, and at one concrete value each that exists in the seed. */
  const selections: Record<string, Record<string, string | string[]>> = {
    all: { service: ALL, provider: ALL, route: ALL, model: ALL, evaluator: ALL, role: ALL, agent: ALL },
    concrete: {
      service: ['checkout'],
      provider: [BROKEN.provider],
      route: [BROKEN.route],
      model: ['gpt-4o-mini'],
      evaluator: ['json_valid'],
      role: ['collector'],
      agent: ['support-agent'],
    },
  };

  for (const { file, d } of dashboards) {
    for (const [selName, variables] of Object.entries(selections)) {
      for (const intervalSeconds of [60, 300]) {
        it(`${file}: every query runs with variables ${selName}, interval ${intervalSeconds}s, and returns what its panel needs`, async () => {
          for (const q of queriesOf(d)) {
            const sql = expandMacros(q.sql, { ...range, intervalSeconds, variables });
            let res: Result;
            try {
              res = await run(sql);
            } catch (err) {
              throw new Error(`${file} ${q.where} failed: ${(err as Error).message}\n${sql}`);
            }
            checkShape(q, res, `${file} ${q.where}`);
            // With everything selected the seed covers every panel: empty means a broken query.
            if (selName === 'all')
              expect(res.data.length, `${file} ${q.where} returned no rows`).toBeGreaterThan(0);
          }
        });
      }
    }
  }

  const panelQuery = async (
    file: string,
    title: string,
    variables = selections.all!,
    intervalSeconds = 60,
  ): Promise<Record<string, unknown>[]> => {
    const d = dashboards.find((x) => x.file === file)?.d;
    const p = d?.panels.find((x) => x.title === title);
    if (!p?.targets?.[0]?.rawSql) throw new Error(`no panel "${title}" in ${file}`);
    const res = await run(expandMacros(p.targets[0].rawSql, { ...range, intervalSeconds, variables }));
    return res.data.map((row) => Object.fromEntries(res.meta.map((m, i) => [m.name, row[i]])));
  };

  it('Overview shows the semantic failure rate and the HTTP error rate the seed implies', async () => {
    const [sem] = await panelQuery('overview.json', 'Semantic failure rate');
    const [http] = await panelQuery('overview.json', 'HTTP error rate');
    expect(Number(sem?.['semantic_failure_rate'])).toBeCloseTo(seed.expected.semanticFailureRate, 9);
    expect(Number(http?.['http_error_rate'])).toBeCloseTo(seed.expected.httpErrorRate, 9);
    expect(seed.expected.semanticFailureRate).toBeGreaterThan(seed.expected.httpErrorRate);
  });

  it("Evaluations shows each judge's newest calibration run, the drifting one first", async () => {
    const rows = await panelQuery('evaluations.json', 'Judge calibration: agreement with golden sets');
    expect(rows.map((r) => [r['judge'], Number(r['cohen_kappa'])])).toEqual([
      ['judge_confirm_refusal', 0.3],
      ['judge_confirm_language', 0.95],
    ]);
    expect(Number(rows[0]?.['kappa_change_in_range'])).toBeCloseTo(-0.6, 9);
    expect(Number(rows[0]?.['feedback_kappa'])).toBe(0.5);
    expect(rows[1]?.['feedback_kappa']).toBeNull();
  });

  it('Provider × route puts the broken route first among the worst routes', async () => {
    const rows = await panelQuery('provider-route.json', 'Worst routes');
    expect(rows[0]).toMatchObject({ provider: BROKEN.provider, route: BROKEN.route });
  });

  it("Agents shows the agent's tool validity and its worst conversations with their trace ids", async () => {
    const tools = await panelQuery('agents.json', 'Tools');
    const agentScores = seed.llm_scores.filter((r) => r['evaluator'] === 'tool_call_valid');
    const valid = agentScores.filter((r) => r['passed'] === 1).length / agentScores.length;
    expect(tools.length).toBeGreaterThan(0);
    for (const t of tools) expect(t).toMatchObject({ agent: 'support-agent', tool: 'get_order' });
    for (const t of tools) expect(Number(t['loops'])).toBe(0);
    const checked = tools.reduce((n, t) => n + Number(t['calls_checked']), 0);
    expect(checked).toBe(agentScores.length);
    const shares = tools.map((t) => Number(t['valid_share']) * Number(t['calls_checked']));
    expect(shares.reduce((a, b) => a + b, 0) / checked).toBeCloseTo(valid, 9);
    const worst = await panelQuery('agents.json', 'Worst conversations');
    const failing = new Set(
      seed.call_verdicts
        .filter((v) => v['conversation_id'] && v['failed'] === 1)
        .map((v) => v['conversation_id']),
    );
    expect(new Set(worst.map((r) => r['conversation_id']))).toEqual(failing);
    for (const r of worst) {
      expect(String(r['first_failing_trace'])).toMatch(/^[0-9a-f]{32}$/);
      expect(String(r['trace_ids'])).toContain(String(r['first_failing_trace']));
    }
    const judged = await panelQuery('agents.json', 'Worst judged conversations');
    const goalFailed = seed.conversation_scores.filter((r) => r['outcome'] === 'fail');
    expect(judged.map((r) => r['conversation_id']).sort()).toEqual(
      goalFailed.map((r) => r['conversation_id']).sort(),
    );
    for (const r of judged) {
      expect(r).toMatchObject({ agent: 'support-agent', failed_rubrics: 'conversation_goal_reached' });
      expect(String(r['trace_ids']).split(' ')).toContain(String(r['last_trace']));
    }
  });

  it('Overview lists only the alert that is still firing', async () => {
    const rows = await panelQuery('overview.json', 'Firing alerts');
    expect(rows.map((r) => [r['rule'], r['route']])).toEqual([['json_valid_drop', BROKEN.route]]);
  });

  it('Evaluations shows failing calls with the answer that failed and the trace id', async () => {
    const rows = await panelQuery('evaluations.json', 'Recent failing calls', {
      ...selections.all!,
      evaluator: ['json_valid'],
    });
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r).toMatchObject({
        provider: BROKEN.provider,
        route: BROKEN.route,
        reason: 'not valid JSON: unexpected token n',
      });
      expect(r['answer_excerpt']).toBe('Sure! Here is the data: {name: Ada');
      expect(r['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('Pipeline health counts every dropped call across instances and through a restart', async () => {
    const rows = await panelQuery('pipeline-health.json', 'Rejected spans and dropped calls');
    const dropped = rows
      .filter((r) => r['reason'] === 'dropped buffer_full')
      .reduce((s, r) => s + Number(r['count']), 0);
    expect(dropped).toBe(seed.expected.droppedCalls);
  });

  it('Pipeline health reads write latency p95 from the histogram buckets', async () => {
    const rows = await panelQuery('pipeline-health.json', 'Write latency p50 / p95');
    expect(rows.length).toBeGreaterThan(0);
    // 19 of 20 inserts took 20 ms: both quantiles fall in the 25 ms bucket.
    for (const r of rows) expect([Number(r['p50']), Number(r['p95'])]).toEqual([0.025, 0.025]);
  });
});

function checkShape(q: Query, res: Result, where: string): void {
  const names = res.meta.map((m) => m.name);
  const types = Object.fromEntries(res.meta.map((m) => [m.name, m.type]));
  const numeric = (t = ''): boolean => /^(Nullable\()?(U?Int|Float|Decimal)/.test(t);
  switch (q.kind) {
    case 'timeseries':
      expect(names[0], `${where}: first column must be time`).toBe('time');
      expect(types['time'], where).toMatch(/^DateTime/);
      expect(
        res.meta.slice(1).some((m) => numeric(m.type)),
        `${where}: no numeric value column`,
      ).toBe(true);
      break;
    case 'annotation':
      expect(types['time'], where).toMatch(/^DateTime/);
      expect(names, where).toEqual(expect.arrayContaining(['title', 'text', 'tags']));
      break;
    case 'variable':
      expect(names.length, where).toBe(1);
      expect(types[names[0] ?? ''], where).toMatch(/String/);
      break;
    case 'table':
      expect(names.length, where).toBeGreaterThan(0);
      break;
  }
}
