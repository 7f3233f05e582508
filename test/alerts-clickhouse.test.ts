import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import type { RuleConfigInput } from '../alerts/config.ts';
import { readContext } from '../alerts/series/context.ts';
import { detect } from '../alerts/rules/detector.ts';
import { likelyCause } from '../alerts/notices/notice.ts';
import { readSeries } from '../alerts/series/series.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { startEmbeddedClickhouse, type EmbeddedClickhouse } from '../storage/embedded/index.ts';
import { migrate } from '../storage/migrate.ts';

const M = 60_000;
const DB = 'assay_alerts_ch';
// Recent enough that the tables' TTL keeps the rows; minute-aligned so counts are exact.
const T0 = Math.floor(Date.now() / M) * M - 30 * M;
const NOW = T0 + 10 * M;

interface Seg {
  provider: string;
  route: string;
  from: number;
  to: number;
  perMin: number;
  fail: number;
  model: string;
  durationMs?: number;
}

/** Calls, refusal scores and verdicts for a segment of traffic; every `1/fail`-th call fails. */
function rows(seg: Seg, tag: string) {
  const calls: Record<string, unknown>[] = [];
  const scores: Record<string, unknown>[] = [];
  const verdicts: Record<string, unknown>[] = [];
  let i = 0;
  for (let m = seg.from; m < seg.to; m += M) {
    for (let j = 0; j < seg.perMin; j++, i++) {
      const ts = m + Math.floor((j * M) / seg.perMin);
      const failed = i % 100 < seg.fail * 100 ? 1 : 0;
      const trace_id = `${tag}${String(i).padStart(8, '0')}`.padEnd(32, '0');
      const base = {
        timestamp: ts,
        trace_id,
        span_id: 'aaaaaaaaaaaaaaaa',
        service: 'support-api',
        provider: seg.provider,
        model: seg.model,
        route: seg.route,
      };
      calls.push({
        ...base,
        request_model: 'm',
        status: 'ok',
        input_tokens: 100,
        output_tokens: 50 + 400 * failed,
        cost_usd: 0.001,
        duration_ms: seg.durationMs ?? 200 + (i % 10) * 10,
      });
      scores.push({
        ...base,
        evaluator: 'refusal',
        evaluator_version: '1',
        kind: 'check',
        score: failed ? 0 : 1,
        passed: failed ? 0 : 1,
        sample_weight: 1,
      });
      verdicts.push({
        ...base,
        status: 'ok',
        failed,
        failed_evaluators: failed ? ['refusal'] : [],
        sample_weight: 1,
      });
    }
  }
  return { calls, scores, verdicts };
}

let server: EmbeddedClickhouse;
let client: ClickHouseClient;
const dir = mkdtempSync(join(tmpdir(), 'assay-alerts-ch-'));

beforeAll(async () => {
  server = await startEmbeddedClickhouse({ dataDir: dir, host: '127.0.0.1', port: 0, logger: silentLogger });
  client = createClickhouseClient({ ...parseConfig({}).clickhouse, ...server.admin }, server.url);
  await migrate(client, { database: DB, ttlDays: 30, logger: silentLogger });
  const segs: [Seg, string][] = [
    // Baseline 3 h: 2% semantic failures everywhere, model acme-large-1.
    [
      {
        provider: 'acme',
        route: '/api/refunds',
        from: T0 - 180 * M,
        to: T0,
        perMin: 10,
        fail: 0.02,
        model: 'acme-large-1',
      },
      'a',
    ],
    [
      {
        provider: 'acme',
        route: '/api/orders',
        from: T0 - 180 * M,
        to: NOW,
        perMin: 10,
        fail: 0.02,
        model: 'acme-large-1',
      },
      'b',
    ],
    // Incident: refunds refuse 60% of the time with a new response model, and get slower.
    [
      {
        provider: 'acme',
        route: '/api/refunds',
        from: T0,
        to: NOW,
        perMin: 10,
        fail: 0.6,
        model: 'acme-large-2',
        durationMs: 900,
      },
      'c',
    ],
  ];
  for (const [seg, tag] of segs) {
    const r = rows(seg, tag);
    await client.insert({ table: `${DB}.llm_calls`, values: r.calls, format: 'JSONEachRow' });
    await client.insert({ table: `${DB}.llm_scores`, values: r.scores, format: 'JSONEachRow' });
    await client.insert({ table: `${DB}.call_verdicts`, values: r.verdicts, format: 'JSONEachRow' });
  }
});

afterAll(async () => {
  await client?.close();
  await server?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const rule = (r: Partial<RuleConfigInput> & { metric: RuleConfigInput['metric'] }) =>
  parseConfig({ alerts: { rules: [{ name: 'r', baseline: '3h', ...r }] } }).alerts.rules[0]!;

describe('series SQL against the embedded ClickHouse engine', () => {
  it('reads window and baseline counts per (provider, route) from the verdict rollup', async () => {
    const series = await readSeries(client, DB, rule({ metric: 'semantic_failure_rate' }), NOW);
    const refunds = series.find((s) => s.labels.route === '/api/refunds')!;
    const orders = series.find((s) => s.labels.route === '/api/orders')!;
    // Window [T0-5m, NOW]: 5 baseline minutes (50 calls, no failure) + 10 incident minutes (100 calls, 60 failures).
    expect(refunds.current).toEqual({ kind: 'proportion', n: 150, k: 60 });
    // Short window [NOW-5m, NOW]: incident calls 50–99, of which 50–59 fail (failures come first in each 100).
    expect(refunds.short).toEqual({ kind: 'proportion', n: 50, k: 10 });
    // Baseline: the 3 h before the window, the window itself excluded.
    expect(refunds.baseline).toEqual({ kind: 'proportion', n: 1750, k: 36 });
    expect(orders.current).toMatchObject({ n: 150, k: 2 });
  });

  it('decides: the refusing route breaches, the healthy one does not', async () => {
    const r = rule({ metric: 'semantic_failure_rate' });
    const evals = detect([{ rule: r, series: await readSeries(client, DB, r, NOW) }], 0.001);
    const by = Object.fromEntries(evals.map((e) => [e.labels.route, e.breach]));
    expect(by).toEqual({ '/api/refunds': true, '/api/orders': false });
  });

  it.each<[RuleConfigInput['metric'], string | undefined]>([
    ['pass_rate', 'refusal'],
    ['mean_score', 'refusal'],
    ['tokens_per_call', undefined],
    ['latency_p95', undefined],
  ])('%s: the refusing route breaches, the healthy one does not', async (metric, evaluator) => {
    const r = rule({ metric, evaluator });
    const series = await readSeries(client, DB, r, NOW);
    const evals = detect([{ rule: r, series }], 0.001);
    const by = Object.fromEntries(evals.map((e) => [e.labels.route, e.breach]));
    expect(by).toEqual({ '/api/refunds': true, '/api/orders': false });
  });

  it('error_rate: no errors, nothing breaches', async () => {
    const r = rule({ metric: 'error_rate' });
    const evals = detect([{ rule: r, series: await readSeries(client, DB, r, NOW) }], 0.001);
    expect(evals.map((e) => e.breach)).toEqual([false, false]);
    expect(evals[0]!.n).toBe(150);
  });

  it('splits by evaluator when asked', async () => {
    const series = await readSeries(
      client,
      DB,
      rule({ metric: 'pass_rate', by: ['provider', 'route', 'evaluator'] }),
      NOW,
    );
    expect(series.map((s) => s.labels.evaluator)).toEqual(['refusal', 'refusal']);
  });

  it('finds example failing calls and the likely cause (new response model, one evaluator)', async () => {
    const r = rule({ metric: 'semantic_failure_rate' });
    const ctx = await readContext(client, DB, r, { provider: 'acme', route: '/api/refunds' }, NOW);
    expect(ctx.exampleTraceIds).toHaveLength(3);
    for (const id of ctx.exampleTraceIds) expect(id.startsWith('c')).toBe(true);
    expect(ctx.failedEvaluators[0]).toEqual({ evaluator: 'refusal', calls: 60 });
    // Every failing call of the window was answered by the new model.
    expect(ctx.failedModels).toEqual([{ model: 'acme-large-2', calls: 60 }]);
    const cause = likelyCause(r, ctx);
    expect(cause).toContain('response model changed: acme-large-1 → acme-large-2');
    expect(cause).toContain('refusal failed on 100% of the failing calls');
  });
});
