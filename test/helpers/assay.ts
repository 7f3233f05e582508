import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type AssayConfigInput } from '../../cli/config.ts';
import { silentLogger } from '../../core/logger.ts';
import { openRuntime, type Runtime } from '../../cli/runtime.ts';
import { startCollector, type CollectorRole } from '../../cli/roles/collector.ts';
import { freePort } from '../../core/free-port.ts';
import { startEmbeddedClickhouse } from '../../storage/embedded/index.ts';
import type { TestBackends } from './backends.ts';

export interface TestAssay {
  rt: Runtime;
  collector: CollectorRole;
  clickhouseUrl: string;
  dataDir: string;
  /** Runs a query against the test's ClickHouse and returns JSON rows. */
  rows<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  shutdown(): Promise<void>;
}

/**
 * The collector as `assay collector` runs it, in this process, against an embedded ClickHouse
 * on a free port with a fresh data directory. Short waits so tests are quick.
 */
export async function startTestAssay(overrides: AssayConfigInput = {}): Promise<TestAssay> {
  const dataDir = mkdtempSync(join(tmpdir(), 'assay-test-'));
  const embedded = await startEmbeddedClickhouse({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });
  const config = parseConfig({
    ...overrides,
    data_dir: dataDir,
    log_level: 'silent',
    collector: { port: 0, ...overrides.collector, route: { wait: '1500ms', ...overrides.collector?.route } },
    clickhouse: {
      ...overrides.clickhouse,
      url: embedded.url,
      password: embedded.admin.password,
      writer: { flush_interval: '100ms', ...overrides.clickhouse?.writer },
    },
  });
  const needRedis = overrides.redis?.url !== undefined || overrides.redis?.cluster !== undefined;
  const rt = await openRuntime(config, silentLogger, { needRedis });
  const collector = await startCollector(rt);
  return {
    rt,
    collector,
    clickhouseUrl: embedded.url,
    dataDir,
    rows: async <T>(sql: string, params?: Record<string, unknown>) => {
      const rs = await rt.clickhouse.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return rs.json<T>();
    },
    shutdown: async () => {
      await collector.shutdown();
      await rt.shutdown();
      await embedded.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs a fixture service (`test/fixtures/services/<name>.ts`) to completion. */
export function runService(
  name: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `test/fixtures/services/${name}.ts`], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** What `configure` of {@link startRoleProcess} writes: the config file and the ops port it names. */
export interface RoleConfig {
  configPath: string;
  opsPort: number;
}

/** Sections of a role's config beyond what {@link writeRoleConfig} gives every role. */
export interface RoleSettings {
  clickhouse?: Record<string, unknown>;
  redis?: Record<string, unknown>;
  [section: string]: unknown;
}

/**
 * Writes `<backends.dir>/<name>.yaml` for an `assay` role process on `backends`: its own
 * data_dir, a free ops port, warn logging, the shared ClickHouse and Redis. `settings` adds
 * sections; its `clickhouse` and `redis` are merged into the shared ones.
 */
export async function writeRoleConfig(
  backends: TestBackends,
  name: string,
  settings: RoleSettings = {},
): Promise<RoleConfig> {
  const opsPort = await freePort();
  const configPath = join(backends.dir, `${name}.yaml`);
  const { clickhouse, redis, ...rest } = settings;
  writeFileSync(
    configPath,
    JSON.stringify({
      data_dir: join(backends.dir, name),
      log_level: 'warn',
      ops: { port: opsPort },
      ...rest,
      clickhouse: { url: backends.clickhouseUrl, password: backends.clickhousePassword, ...clickhouse },
      redis: { url: backends.redisUrl, ...redis },
    }),
  );
  return { configPath, opsPort };
}

/**
 * Starts `assay <role> --config <configPath>` as its own process (output passed through) and
 * resolves once its ops server answers `/healthz`; the caller keeps `child` to stop it.
 * `configure` picks the ports and writes the config. A free port can be taken by someone else
 * before the child binds it: a child that exits on EADDRINUSE is started again with a config
 * `configure` writes afresh; one that exits for another reason fails the start at once.
 */
export async function startRoleProcess(
  role: 'collector' | 'worker' | 'alerter' | 'start',
  configure: () => Promise<RoleConfig>,
  children: ChildProcess[],
): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  for (let attempt = 1; ; attempt++) {
    const { configPath, opsPort } = await configure();
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/assay.ts', role, '--config', configPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let tail = '';
    const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-8192));
    child.stdout?.on('data', (d: Buffer) => (process.stdout.write(d), keep(d)));
    child.stderr?.on('data', (d: Buffer) => (process.stderr.write(d), keep(d)));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const url = `http://127.0.0.1:${opsPort}`;
    const deadline = Date.now() + 60_000;
    let last: unknown;
    while (child.exitCode === null && child.signalCode === null) {
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return { child, url, exited };
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline)
        throw new Error(`assay ${role} did not answer ${url}/healthz within 60 s: ${String(last)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await exited;
    if (!tail.includes('EADDRINUSE') || attempt >= 3)
      throw new Error(
        `assay ${role} exited (${child.exitCode ?? child.signalCode}) before /healthz answered:\n${tail}`,
      );
  }
}

export { eventually } from './eventually.ts';
