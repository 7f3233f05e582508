import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../cli/config.ts';
import { DATASOURCE } from '../dashboards/build/model.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Service {
  image?: string;
  command?: string[];
  ports?: unknown[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
}

/**
 * `docker-compose config`: validates the file (no Docker engine needed) and prints it resolved,
 * with the secrets of `.env.example` (the file refuses to resolve without them).
 */
function composeConfig(envFile = '.env.example'): { services: Record<string, Service> } {
  let out: string;
  try {
    out = execFileSync('docker-compose', ['--env-file', envFile, '-f', 'docker-compose.yml', 'config'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '' },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('docker-compose is not installed (apt-get install docker-compose; .ci/run does it)');
    throw new Error(`docker-compose config rejected docker-compose.yml:\n${e.stderr ?? e.message}`);
  }
  return parse(out) as { services: Record<string, Service> };
}

describe('docker-compose.yml', () => {
  const { services } = composeConfig();

  it('runs every Assay role from one image after migrations succeed', () => {
    for (const role of ['collector', 'worker', 'alerter']) {
      expect(services[role]?.image, role).toBe('assay:local');
      expect(services[role]?.command, role).toEqual([role]);
      expect(services[role]?.depends_on?.['migrate']?.condition, role).toBe('service_completed_successfully');
    }
    expect(services['migrate']?.command).toEqual(['migrate']);
  });

  it('publishes OTLP/HTTP on 4318 with a health check, and runs Redis without eviction', () => {
    expect(services['collector']?.ports?.some((p) => JSON.stringify(p).includes('4318'))).toBe(true);
    expect(services['collector']?.healthcheck).toBeDefined();
    expect(services['redis']?.command?.join(' ')).toContain('--maxmemory-policy noeviction');
  });

  it('takes every secret from the environment and refuses to resolve without them', () => {
    for (const role of ['migrate', 'collector', 'worker', 'alerter']) {
      expect(services[role]?.environment?.['ASSAY_CLICKHOUSE_PASSWORD'], role).toBe('change-me-clickhouse');
      expect(services[role]?.environment?.['ASSAY_API_KEY'], role).toBe('change-me-api-key');
    }
    expect(services['clickhouse']?.environment?.['CLICKHOUSE_PASSWORD']).toBe('change-me-clickhouse');
    // With an env file that sets none of them.
    const empty = join(mkdtempSync(join(tmpdir(), 'assay-compose-')), '.env');
    writeFileSync(empty, '');
    expect(() => composeConfig(empty)).toThrow(/set ASSAY_CLICKHOUSE_PASSWORD \(cp \.env\.example \.env\)/);
  });

  it('publishes ports on loopback only, and never the ops port with /metrics', () => {
    const published = Object.values(services).flatMap((s) => (s.ports ?? []).map((p) => JSON.stringify(p)));
    expect(published.length).toBeGreaterThan(0);
    for (const p of published) expect(p).toMatch(/127\.0\.0\.1/);
    expect(published.some((p) => p.includes('9464'))).toBe(false);
  });

  it('gives deploy/assay.yaml its ClickHouse password and the collector its API key from the environment', () => {
    const config = loadConfig(`${ROOT}deploy/assay.yaml`, {
      ASSAY_CLICKHOUSE_PASSWORD: 'pw-from-env',
      ASSAY_API_KEY: 'key-from-env',
    });
    expect(config.clickhouse.password).toBe('pw-from-env');
    expect(config.collector.api_keys).toEqual(['key-from-env']);
    expect(() => loadConfig(`${ROOT}deploy/assay.yaml`, {})).toThrow(
      /clickhouse\.password: environment variable ASSAY_CLICKHOUSE_PASSWORD is not set/,
    );
  });

  it('pins image versions', () => {
    for (const name of ['clickhouse', 'redis', 'grafana'])
      expect(services[name]?.image, name).toMatch(/:\d+(\.\d+)+/);
  });

  it("mounts Grafana's provisioning from dashboards/ and sets every variable it reads", () => {
    const grafana = services['grafana'];
    const sources = (grafana?.volumes ?? []).map((v) => String(v).split(':')[0] ?? '');
    for (const dir of [
      'dashboards/provisioning/datasources',
      'dashboards/provisioning/dashboards',
      'dashboards/json',
    ]) {
      const mounted = sources.find((s) => s.endsWith(dir));
      expect(mounted, dir).toBeDefined();
      expect(existsSync(mounted ?? ''), dir).toBe(true);
    }
    const provisioning = readFileSync(`${ROOT}dashboards/provisioning/datasources/clickhouse.yaml`, 'utf8');
    // Values only: comments may mention variables too.
    const used = [...JSON.stringify(parse(provisioning)).matchAll(/\$(\w+)/g)].map((m) => m[1] ?? '');
    expect(used.length).toBeGreaterThan(0);
    for (const v of used) expect(grafana?.environment?.[v], v).toBeDefined();
    const ds = (parse(provisioning) as { datasources: { uid: string; type: string }[] }).datasources[0];
    expect(ds).toMatchObject({ uid: DATASOURCE.uid, type: DATASOURCE.type });
  });
});
