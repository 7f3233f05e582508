import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type AssayConfigInput } from '../../cli/config.ts';
import { silentLogger } from '../../core/logger.ts';
import { openRuntime, type Runtime } from '../../cli/runtime.ts';
import { startCollector, type CollectorRole } from '../../cli/roles/collector.ts';
import { startEmbeddedClickhouse } from '../../storage/embedded/index.ts';

import { eventually } from './eventually.ts';

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

/**
 * Starts `assay <role> --config <configPath>` as its own process (output inherited) and resolves
 * once its ops server at `opsPort` answers `/healthz`; the caller keeps `child` to stop it.
 */
export async function startRoleProcess(
  role: 'collector' | 'worker' | 'alerter' | 'start',
  configPath: string,
  opsPort: number,
  children: ChildProcess[],
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/assay.ts', role, '--config', configPath], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${opsPort}`;
  await eventually(async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 60_000);
  return { child, url };
}

export { eventually } from './eventually.ts';
