import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../cli/config.ts';
import { readMigrations } from '../storage/migrate.ts';
import { renderMigration } from '../storage/render-migration.ts';

// docker-compose.clickhouse-cluster.yml over docker-compose.yml: two shards × two replicas and a
// three-node Keeper, validated by `docker-compose config` (no Docker engine needed), and its
// ClickHouse and Keeper files checked against the services and against what migrations emit.

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Service {
  image?: string;
  hostname?: string;
  ports?: unknown[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
}

function composeConfig(envFile = '.env.example'): { services: Record<string, Service> } {
  const args = [
    '--env-file',
    envFile,
    '-f',
    'docker-compose.yml',
    '-f',
    'docker-compose.clickhouse-cluster.yml',
  ];
  try {
    const out = execFileSync('docker-compose', [...args, 'config'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '' },
    });
    return parse(out) as { services: Record<string, Service> };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('docker-compose is not installed (apt-get install docker-compose)');
    throw new Error(`docker-compose config rejected the cluster overlay:\n${e.stderr ?? e.message}`);
  }
}

const xml = (path: string): string => readFileSync(join(ROOT, path), 'utf8').replace(/<!--[\s\S]*?-->/g, '');
const all = (text: string, re: RegExp): string[] => [...text.matchAll(re)].map((m) => m[1] ?? '');

describe('docker-compose.clickhouse-cluster.yml', () => {
  const { services } = composeConfig();
  const nodes = ['clickhouse', 'clickhouse-s1r2', 'clickhouse-s2r1', 'clickhouse-s2r2'];
  const keepers = ['keeper-1', 'keeper-2', 'keeper-3'];

  it('runs four ClickHouse servers as two shards of two replicas, on a three-node Keeper', () => {
    const placement = nodes.map((n) => {
      const s = services[n];
      expect(s?.image, n).toMatch(/^clickhouse\/clickhouse-server:\d+(\.\d+)+$/);
      expect(s?.hostname, n).toBe(n);
      expect(s?.environment?.['CLICKHOUSE_HOSTNAME'], n).toBe(n);
      expect(
        s?.volumes?.some((v) => v.includes('/config.d/cluster.xml')),
        n,
      ).toBe(true);
      for (const k of keepers) expect(s?.depends_on?.[k]?.condition, `${n} → ${k}`).toBe('service_healthy');
      return `${s?.environment?.['CLICKHOUSE_SHARD']}/${s?.environment?.['CLICKHOUSE_REPLICA']}`;
    });
    expect(placement).toEqual(['01/s1r1', '01/s1r2', '02/s2r1', '02/s2r2']);
    // Each server has its own data volume.
    const data = nodes.map((n) => services[n]?.volumes?.find((v) => v.endsWith(':/var/lib/clickhouse:rw')));
    expect(new Set(data).size).toBe(4);
    const ids = keepers.map((k) => {
      expect(services[k]?.image, k).toMatch(/^clickhouse\/clickhouse-keeper:\d+(\.\d+)+$/);
      expect(services[k]?.healthcheck, k).toBeDefined();
      return services[k]?.environment?.['KEEPER_SERVER_ID'];
    });
    expect(ids).toEqual(['1', '2', '3']);
  });

  it('names the same hosts in cluster.xml and keeper.xml as the services, with the macros migrations use', () => {
    const cluster = xml('deploy/clickhouse/cluster/cluster.xml');
    const shards = all(cluster, /<shard>([\s\S]*?)<\/shard>/g).map((s) => all(s, /<host>([^<]+)<\/host>/g));
    expect(shards).toEqual([nodes.slice(0, 2), nodes.slice(2)]);
    expect(all(cluster, /<internal_replication>(\w+)</g)).toEqual(['true', 'true']);
    expect(all(cluster.slice(cluster.indexOf('<zookeeper>')), /<host>([^<]+)<\/host>/g)).toEqual(keepers);
    expect(cluster).toMatch(/<secret from_env="CLICKHOUSE_CLUSTER_SECRET"\/>/);
    const keeper = xml('deploy/clickhouse/cluster/keeper.xml');
    expect(all(keeper, /<hostname>([^<]+)<\/hostname>/g)).toEqual(keepers);
    // Migrations rendered for the cluster name what cluster.xml defines: the cluster, {shard}, {replica}.
    const name = /<remote_servers[^>]*>\s*<(\w+)>/.exec(cluster)?.[1];
    expect(name).toBe('assay');
    const ddl = readMigrations()
      .flatMap((m) => renderMigration(m.sql, { database: 'assay', ttlDays: 30, cluster: name ?? '' }))
      .join('\n');
    expect(ddl).toContain(`Distributed('assay', 'assay', 'llm_calls_local', cityHash64(trace_id))`);
    for (const macro of all(ddl, /\{(shard|replica)\}/g)) expect(cluster).toContain(`<${macro} from_env=`);
  });

  it('points every Assay role at the cluster and lets migrate wait for all four servers', () => {
    for (const role of ['migrate', 'collector', 'worker', 'alerter'])
      expect(services[role]?.volumes, role).toContain(
        `${ROOT}deploy/assay-cluster.yaml:/etc/assay/assay.yaml:ro`,
      );
    for (const n of nodes) expect(services['migrate']?.depends_on?.[n]?.condition, n).toBe('service_healthy');
    const config = loadConfig(`${ROOT}deploy/assay-cluster.yaml`, {
      ASSAY_CLICKHOUSE_PASSWORD: 'pw',
      ASSAY_API_KEY: 'key-from-env',
    });
    expect(config.clickhouse.cluster).toBe('assay');
    expect(nodes).toContain(new URL(config.clickhouse.url ?? '').hostname);
  });

  it('publishes nothing of the cluster and refuses to resolve without the cluster secret', () => {
    for (const n of [...nodes, ...keepers]) expect(services[n]?.ports, n).toBeUndefined();
    const env = join(mkdtempSync(join(tmpdir(), 'assay-compose-cluster-')), '.env');
    writeFileSync(
      env,
      readFileSync(join(ROOT, '.env.example'), 'utf8').replace(/^CLICKHOUSE_CLUSTER_SECRET=.*$/m, ''),
    );
    expect(() => composeConfig(env)).toThrow(/set CLICKHOUSE_CLUSTER_SECRET \(cp \.env\.example \.env\)/);
  });
});
