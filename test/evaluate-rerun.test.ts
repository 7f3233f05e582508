import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, parseConfig } from '../cli/config.ts';
import type { EvaluateOptions } from '../cli/evaluate/index.ts';
import { EVAL_QUEUE_NAME } from '../core/eval-job.ts';
import { silentLogger } from '../core/logger.ts';
import { createCheckPlan, findCheck } from '../evaluators/checks/index.ts';
import type { RunState } from '../evaluators/rerun/index.ts';
import { createEvaluationWorker, type EvaluationWorker } from '../evaluators/worker/index.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { startEmbeddedClickhouse } from '../storage/embedded/index.ts';
import { migrate } from '../storage/migrate.ts';
import { eventually, insertCalls, makeCall } from './fixtures/eval-calls.ts';
import { startTestRedis } from './helpers/redis.ts';
import { ALL, expandMacros } from './support/grafana-macros.ts';
import { buildDashboards } from '../dashboards/build/index.ts';

// `assay evaluate` re-scores stored calls with a new evaluator version through the real queue:
// a worker (here, in this process) scores the jobs; the command is a child process, killed with
// SIGKILL halfway, then run again with the same arguments. Every call ends with exactly one row
// of the new version beside its old one, and a third run over the same calls writes nothing.

const DB = 'assay_rerun';
const PREFIX = 'rerun';
const N = 200;
const dir = mkdtempSync(join(tmpdir(), 'assay-rerun-'));
const configPath = join(dir, 'assay.yaml');
const stops: Array<() => Promise<unknown>> = [];
const children: ChildProcess[] = [];
const NEW = findCheck('refusal')?.version ?? '';
let client: ClickHouseClient;
let redisUrl = '';
let worker: EvaluationWorker;
let applicable = 0;
let chUrl = '';
let chPassword = '';

beforeAll(async () => {
  const redis = await startTestRedis();
  redisUrl = redis.url;
  stops.push(() => redis.shutdown());
  const ch = await startEmbeddedClickhouse({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });
  stops.push(() => ch.shutdown());
  chUrl = ch.url;
  chPassword = ch.admin.password;
  const input = {
    data_dir: dir,
    log_level: 'silent',
    redis: { url: redis.url, prefix: PREFIX },
    clickhouse: { url: ch.url, database: DB, password: ch.admin.password },
    // Jobs complete with their batch's flush (100 ms) and the command keeps at most 4 pages of
    // 25 in flight: a run takes a few seconds, so the kill lands while pages are in flight.
    worker: { concurrency: 50, flush_interval: '100ms' },
  };
  writeFileSync(configPath, JSON.stringify(input));
  const config = parseConfig(input);
  client = createClickhouseClient(config.clickhouse, ch.url);
  stops.push(() => client.close());
  await migrate(client, { database: DB, ttlDays: 30, logger: silentLogger });
  const calls = Array.from({ length: N }, (_, i) => makeCall(i, 'rerun'));
  // The refusal check does not apply to an empty answer (no row): those calls get no new row.
  applicable = calls.filter((c) => c.response.trim() !== '').length;
  await insertCalls(client, DB, calls);
  // Each call was scored before by an older refusal version: those rows must stay.
  await client.insert({
    table: `${DB}.llm_scores`,
    format: 'JSONEachRow',
    values: calls.map((c) => ({
      timestamp: c.timestamp,
      trace_id: c.trace_id,
      span_id: c.span_id,
      service: c.service,
      provider: c.provider,
      model: c.model,
      route: c.route,
      evaluator: 'refusal',
      evaluator_version: 'old',
      kind: 'check',
      score: 1,
      passed: 1,
      reason: '',
      judge_model: '',
      sample_weight: 1,
      scored_at: c.timestamp,
    })),
  });
  worker = await createEvaluationWorker({
    config,
    clickhouse: client,
    database: DB,
    redis: redis.url,
    logger: silentLogger,
    checks: (deps) => createCheckPlan(config.evaluators, deps),
    judges: null,
    spoolDir: join(dir, 'spool'),
  });
  stops.push(() => worker.shutdown(2000));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const ARGS = ['--since', '1h', '--evaluator', 'refusal', '--page-size', '25'];

/** `assay evaluate …` as a child process; stdout is a pipe, so progress comes as plain lines. */
function evaluate(extra: string[] = []): {
  child: ChildProcess;
  done: Promise<{ code: number | null; out: string }>;
} {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/assay.ts', 'evaluate', '--config', configPath, ...ARGS, ...extra],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, out })),
  );
  return { child, done };
}

/**
 * The same command in this process (a child process fewer on a busy machine): its function,
 * with the same flags as {@link ARGS}, stdout captured.
 */
async function evaluateHere(flags: Partial<EvaluateOptions>): Promise<{ code: number; out: string }> {
  const { runEvaluate } = await import('../cli/evaluate/index.ts');
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    const opts = { since: '1h', evaluator: ['refusal'], pageSize: '25', maxQueueDepth: '10000', ...flags };
    return { code: await runEvaluate(loadConfig(configPath), silentLogger, opts), out };
  } finally {
    write.mockRestore();
  }
}

async function scalar(query: string): Promise<number> {
  const rs = await client.query({ query: `SELECT toString((${query})) AS v`, format: 'JSONEachRow' });
  const [row] = await rs.json<{ v: string }>();
  return Number(row?.v);
}

async function text(query: string): Promise<string> {
  const rs = await client.query({ query: `SELECT (${query}) AS v`, format: 'JSONEachRow' });
  const [row] = await rs.json<{ v: string }>();
  return String(row?.v);
}

/** The "Newest vs previous version" panel's SQL, macros expanded as Grafana would, on the test's database. */
async function versionsPanel(): Promise<Array<Record<string, unknown>>> {
  const panel = buildDashboards()['evaluator-versions']?.panels.find((p) =>
    p.title.startsWith('Newest vs previous'),
  );
  const raw = panel?.targets?.[0]?.rawSql ?? '';
  const sql = expandMacros(raw, {
    from: new Date(Date.now() - 3_600_000),
    to: new Date(Date.now() + 60_000),
    intervalSeconds: 60,
    variables: { service: ALL, provider: ALL, route: ALL, model: ALL, evaluator: ['refusal'] },
  });
  const db = createClient({ url: chUrl, password: chPassword, database: DB });
  try {
    return await (await db.query({ query: sql, format: 'JSONEachRow' })).json();
  } finally {
    await db.close();
  }
}

const newRows = () => scalar(`SELECT count() FROM ${DB}.llm_scores WHERE evaluator_version = '${NEW}'`);

describe('assay evaluate', () => {
  it('--dry-run counts the calls and queues nothing', async () => {
    const { code, out } = await evaluateHere({ dryRun: true });
    expect(code).toBe(0);
    expect(out).toContain(`dry run: ${N} calls`);
    expect(out).toContain('with refusal');
    expect(out).toContain('about 0 judge calls');
    const queue = new Queue(EVAL_QUEUE_NAME, { connection: { url: redisUrl }, prefix: PREFIX });
    try {
      expect(await queue.count()).toBe(0);
    } finally {
      await queue.close();
    }
  });

  it('killed halfway and run again resumes with no duplicate; a third run writes nothing', async () => {
    const first = evaluate();
    await eventually(async () => ((await newRows()) >= 50 ? true : undefined), 20_000);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code).toBeNull();
    expect(killed.out).toContain('starting run');
    // Killed before the end: its saved progress says unfinished, short of every call.
    const id = /starting run ([0-9a-f]{16})/.exec(killed.out)?.[1];
    const redis = new Redis(redisUrl);
    try {
      const saved = JSON.parse((await redis.get(`${PREFIX}:rerun:${id}`)) ?? '{}') as RunState;
      expect(saved).toMatchObject({ finished: false, total: N });
      expect(saved.done).toBeLessThan(N);
    } finally {
      redis.disconnect();
    }

    // Run again with the same arguments (in this process: a child process fewer; the state that
    // resumes it is in Redis either way).
    const second = await evaluateHere({});
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/resuming run [0-9a-f]{16}/);
    expect(second.out).toMatch(new RegExp(`evaluate: \\d+/${N} calls`));
    expect(second.out).toContain(`re-evaluated ${N} calls with refusal, 0 failed`);
    const perCall = `SELECT trace_id, span_id, count() AS n FROM ${DB}.llm_scores
      WHERE evaluator = 'refusal' AND evaluator_version = '${NEW}' GROUP BY trace_id, span_id`;
    expect(applicable).toBeGreaterThan(N / 2);
    expect(await scalar(`SELECT count() FROM (${perCall})`)).toBe(applicable);
    expect(await scalar(`SELECT max(n) FROM (${perCall})`)).toBe(1);
    expect(await scalar(`SELECT count() FROM ${DB}.llm_scores WHERE evaluator_version = 'old'`)).toBe(N);
    // Only refusal rows: the other checks ran for the cascade but were not kept; no verdict rows.
    expect(await scalar(`SELECT count() FROM ${DB}.llm_scores WHERE evaluator != 'refusal'`)).toBe(0);
    expect(await scalar(`SELECT count() FROM ${DB}.call_verdicts`)).toBe(0);
    // The rollup (dashboards, alert rules) counts the newest version of each call's refusal score:
    // each replaced row is copied once to llm_scores_superseded and subtracted; a call the new
    // version does not apply to (no new row) keeps its old score.
    expect(await scalar(`SELECT count() FROM ${DB}.llm_scores_superseded`)).toBe(applicable);
    const rollup = `SELECT toString(sum(n)) || '/' || toString(sum(passes)) FROM ${DB}.llm_scores_1m WHERE evaluator = 'refusal'`;
    const newPasses = await scalar(
      `SELECT countIf(outcome = 'pass') FROM ${DB}.llm_scores WHERE evaluator_version = '${NEW}'`,
    );
    expect(newPasses).toBeLessThan(applicable);
    const expected = `${N}/${newPasses + (N - applicable)}`;
    expect(await text(rollup)).toBe(expected);
    // The Evaluator versions dashboard puts the two side by side on the same calls.
    const [row] = await versionsPanel();
    expect(row).toMatchObject({ newest_version: NEW, previous_version: 'old' });
    expect(Number(row?.['same_calls'])).toBe(applicable);
    // The old version passed every call: the versions agree where the new one passes.
    expect(Number(row?.['agreement'])).toBeCloseTo(newPasses / applicable, 9);
    expect(Number(row?.['previous_pass_rate'])).toBe(1);

    // Third run over the same calls, from scratch, with the finished jobs gone from the queue so
    // every call is really scored again: the score writer's (call, evaluator, version) key drops it all.
    const queue = new Queue(EVAL_QUEUE_NAME, { connection: { url: redisUrl }, prefix: PREFIX });
    try {
      await queue.clean(0, 100_000, 'completed');
      const third = await evaluateHere({ restart: true });
      expect(third.code).toBe(0);
      expect(third.out).toContain(`re-evaluated ${N} calls`);
      const counts = await queue.getJobCounts('completed');
      expect(counts['completed']).toBe(N);
    } finally {
      await queue.close();
    }
    expect(await newRows()).toBe(applicable);
    expect(await scalar(`SELECT max(n) FROM (${perCall})`)).toBe(1);
    expect(await scalar(`SELECT count() FROM ${DB}.llm_scores_superseded`)).toBe(applicable);
    expect(await text(rollup)).toBe(expected);
  });
});
