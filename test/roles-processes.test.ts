import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../core/free-port.ts';
import { eventually, startRoleProcess } from './helpers/assay.ts';
import { startBackends, type TestBackends } from './helpers/backends.ts';

// `assay worker` and `assay alerter` as their own processes (as docker-compose runs them),
// sharing one ClickHouse and one Redis: each answers /healthz and serves its own /metrics on
// `ops.port`, and each exits 0 on SIGTERM.

const children: ChildProcess[] = [];
let backends: TestBackends;

beforeAll(async () => {
  backends = await startBackends('assay-roles-');
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await backends?.shutdown();
});

async function startRole(
  role: 'worker' | 'alerter',
): Promise<{ url: string; exited: Promise<number | null>; child: ChildProcess }> {
  return startRoleProcess(
    role,
    async () => {
      const port = await freePort();
      const configPath = join(backends.dir, `${role}.yaml`);
      writeFileSync(
        configPath,
        [
          // The worker shares the embedded server's data_dir and reads its generated password from
          // there (as beside `assay clickhouse`); the alerter is given it in the config.
          `data_dir: ${role === 'worker' ? join(backends.dir, 'ch') : join(backends.dir, role)}`,
          'log_level: warn',
          `ops:\n  port: ${port}`,
          `clickhouse:\n  url: ${backends.clickhouseUrl}`,
          role === 'alerter' ? `  password: ${backends.clickhousePassword}` : '',
          `redis:\n  url: ${backends.redisUrl}`,
          'alerts:\n  interval: 1s',
        ].join('\n'),
      );
      return { configPath, opsPort: port };
    },
    children,
  );
}

describe('worker and alerter as separate processes', () => {
  it('each serves /healthz and its own /metrics, and stops cleanly on SIGTERM', async () => {
    const [worker, alerter] = await Promise.all([startRole('worker'), startRole('alerter')]);

    const workerMetrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(workerMetrics).toContain('# TYPE assay_jobs_processed_total counter');
    expect(workerMetrics).toContain('# TYPE assay_queue_depth gauge');

    // The alerter ticks every second as the leader (it is the only one) against the shared
    // ClickHouse, which holds no calls yet.
    const alerterMetrics = await eventually(async () => {
      const text = await (await fetch(`${alerter.url}/metrics`)).text();
      return /^assay_alert_ticks_total\{role="leader"\} [2-9]/m.test(text) ? text : undefined;
    }, 30_000);
    expect(alerterMetrics).toMatch(/^assay_alert_last_tick_timestamp_seconds \d{10}/m);
    expect(alerterMetrics).toContain('# TYPE assay_alerts_firing gauge');

    worker.child.kill('SIGTERM');
    alerter.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await alerter.exited).toBe(0);
  });
});
