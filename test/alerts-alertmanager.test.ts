import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../cli/config.ts';
import { freePort } from '../core/free-port.ts';
import { silentLogger } from '../core/logger.ts';
import { sleep } from '../core/retry.ts';
import { deliver } from '../alerts/notifiers/delivery.ts';
import type { AlertNotice } from '../alerts/notices/notice.ts';

const BINARY = '/usr/bin/prometheus-alertmanager';

interface AmWebhook {
  status: string;
  alerts: {
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    endsAt: string;
  }[];
}

/** Waits for apt to finish installing Alertmanager (the CI entry point installs it). */
async function waitForBinary(): Promise<void> {
  for (let i = 0; i < 120 && !existsSync(BINARY); i++) await sleep(1000);
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: apt-get install prometheus-alertmanager`);
}

async function waitFor<T>(check: () => T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(100);
  }
}

describe('push to a real Alertmanager, routed to a webhook receiver', () => {
  const dir = mkdtempSync(join(tmpdir(), 'assay-am-'));
  const received: AmWebhook[] = [];
  let receiver: Server;
  let am: ChildProcess;
  let amUrl: string;

  beforeAll(async () => {
    await waitForBinary();
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        received.push(JSON.parse(raw) as AmWebhook);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/am`;
    writeFileSync(
      join(dir, 'am.yml'),
      [
        'route:',
        '  receiver: hook',
        "  group_by: ['alertname', 'provider', 'route']",
        '  group_wait: 100ms',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: hook',
        '    webhook_configs:',
        `      - url: '${hook}'`,
        '        send_resolved: true',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = spawn(
      BINARY,
      [
        `--config.file=${join(dir, 'am.yml')}`,
        `--storage.path=${dir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const ok = await fetch(`${amUrl}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await sleep(200);
    }
  });

  afterAll(async () => {
    // Alertmanager writes its state files on the way out: wait for it before removing its dir.
    if (am && am.exitCode === null && am.signalCode === null) {
      const exited = new Promise((r) => am!.once('exit', r));
      am.kill('SIGTERM');
      await exited;
    }
    await new Promise((r) => receiver?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('receives firing then resolved with the alert labels', async () => {
    const channel = parseConfig({ alerts: { channels: [{ name: 'am', type: 'alertmanager', url: amUrl }] } })
      .alerts.channels[0]!;
    const startsAt = new Date().toISOString();
    const notice: AlertNotice = {
      id: 'n1',
      fingerprint: '0123456789abcdef',
      status: 'firing',
      severity: 'critical',
      labels: {
        alertname: 'semantic',
        provider: 'acme',
        route: '/api/refunds',
        metric: 'semantic_failure_rate',
        severity: 'critical',
      },
      annotations: {
        summary: 'semantic failure rate on acme /api/refunds rose from 2.0% to 40.0% (n=150, p<0.001)',
      },
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL:
        'https://grafana.example/d/assay-provider-route?var-provider=acme&var-route=%2Fapi%2Frefunds',
    };
    expect(await deliver(channel, notice, { logger: silentLogger })).toMatchObject({
      outcome: 'delivered',
      http_status: 200,
    });
    const firing = await waitFor(() => received.find((r) => r.status === 'firing'), 20_000);
    expect(firing.alerts[0]!.labels).toEqual(notice.labels);
    expect(firing.alerts[0]!.annotations['summary']).toBe(notice.annotations['summary']);

    const resolve = { ...notice, id: 'n2', status: 'resolved' as const, endsAt: new Date().toISOString() };
    expect(await deliver(channel, resolve, { logger: silentLogger })).toMatchObject({ outcome: 'delivered' });
    const resolved = await waitFor(() => received.find((r) => r.status === 'resolved'), 20_000);
    expect(resolved.alerts[0]!.labels).toEqual(notice.labels);
    expect(resolved.alerts[0]!.status).toBe('resolved');
  });

  it('a malformed alert is dropped (400), not retried', async () => {
    const channel = parseConfig({ alerts: { channels: [{ name: 'am', type: 'alertmanager', url: amUrl }] } })
      .alerts.channels[0]!;
    const bad: AlertNotice = {
      id: 'n3',
      fingerprint: 'f',
      status: 'firing',
      severity: 'info',
      labels: {},
      annotations: {},
      startsAt: new Date().toISOString(),
      endsAt: '',
      generatorURL: '',
    };
    expect(await deliver(channel, bad, { logger: silentLogger })).toMatchObject({
      outcome: 'dropped',
      http_status: 400,
      attempt: 1,
    });
  });
});
