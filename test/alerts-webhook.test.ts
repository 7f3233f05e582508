import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type AssayConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { createAlerter, type Alerter } from '../alerts/alerter.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { startEmbeddedClickhouse, type EmbeddedClickhouse } from '../storage/embedded/index.ts';
import { migrate } from '../storage/migrate.ts';
import { startTestRedis } from './helpers/redis.ts';
import {
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from './helpers/webhook-receiver.ts';

const M = 60_000;
const DB = 'assay_alerts_hook';
const SECRET = `whsec_${Buffer.from('alerts-webhook-test-secret-32-bytes!').toString('base64')}`;
const T0 = Math.floor(Date.now() / M) * M - 60 * M;

/** Verdicts (and calls) for `route` over [from, to): `perMin` calls a minute, the first `fail`·100 of every 100 failing. */
async function traffic(
  client: ClickHouseClient,
  route: string,
  from: number,
  to: number,
  fail: number,
  model: string,
): Promise<void> {
  const calls: Record<string, unknown>[] = [];
  const verdicts: Record<string, unknown>[] = [];
  let i = 0;
  for (let m = from; m < to; m += M)
    for (let j = 0; j < 10; j++, i++) {
      const failed = (i * 37) % 100 < fail * 100 ? 1 : 0;
      const base = {
        timestamp: m + j * 6000,
        trace_id: `${route.length}${m}${j}`.padEnd(32, 'f'),
        span_id: 'bbbbbbbbbbbbbbbb',
        service: 'support-api',
        provider: 'acme',
        model,
        route,
      };
      calls.push({ ...base, status: 'ok', duration_ms: 100 });
      verdicts.push({
        ...base,
        status: 'ok',
        failed,
        failed_evaluators: failed ? ['refusal'] : [],
        sample_weight: 1,
      });
    }
  await client.insert({ table: `${DB}.llm_calls`, values: calls, format: 'JSONEachRow' });
  await client.insert({ table: `${DB}.call_verdicts`, values: verdicts, format: 'JSONEachRow' });
}

describe('alerter → signed webhook, with a restart mid-incident', () => {
  const dir = mkdtempSync(join(tmpdir(), 'assay-alerts-hook-'));
  let received: ReceivedWebhook[] = [];
  let ch: EmbeddedClickhouse;
  let client: ClickHouseClient;
  let redisProc: Awaited<ReturnType<typeof startTestRedis>>;
  let redis: Redis;
  let receiver: WebhookReceiver;
  let config: AssayConfig;
  let now = 0;
  const alerter = (): Alerter =>
    createAlerter({ config, clickhouse: client, redis, logger: silentLogger, now: () => now });

  beforeAll(async () => {
    [ch, redisProc, receiver] = await Promise.all([
      startEmbeddedClickhouse({ dataDir: dir, host: '127.0.0.1', port: 0, logger: silentLogger }),
      startTestRedis(),
      startWebhookReceiver(SECRET),
    ]);
    received = receiver.received;
    client = createClickhouseClient({ ...parseConfig({}).clickhouse, ...ch.admin }, ch.url);
    await migrate(client, { database: DB, ttlDays: 30, logger: silentLogger });
    redis = new Redis(redisProc.url);
    config = parseConfig({
      clickhouse: { database: DB },
      redis: { prefix: 'alerts-hook' },
      grafana: { url: 'https://grafana.example' },
      alerts: {
        interval: '1s',
        channels: [{ name: 'on-call', type: 'webhook', url: receiver.url, secret: SECRET }],
        rules: [
          {
            name: 'semantic',
            metric: 'semantic_failure_rate',
            baseline: '3h',
            severity: 'critical',
            for: 2,
            resolve_after: 3,
          },
        ],
      },
    });
    await traffic(client, '/api/refunds', T0 - 180 * M, T0, 0.02, 'acme-large-1');
    await traffic(client, '/api/refunds', T0, T0 + 10 * M, 0.6, 'acme-large-2');
  });

  afterAll(async () => {
    redis?.disconnect();
    await client?.close();
    await Promise.all([ch?.shutdown(), redisProc?.shutdown(), receiver?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('fires once, survives a restart without a duplicate, and resolves after recovery', async () => {
    const first = alerter();
    now = T0 + 10 * M;
    expect((await first.tickOnce()).outcome?.events.map((e) => e.transition)).toEqual(['pending']);
    now += 30_000;
    expect((await first.tickOnce()).outcome?.events.map((e) => e.transition)).toEqual(['firing']);
    await first.idle();
    expect(received.map((r) => r.body.status)).toEqual(['firing']);

    // A second alerter cannot take over while the first holds the lock.
    const rival = alerter();
    expect((await rival.tickOnce()).leader).toBe(false);
    await rival.shutdown();

    // Restart mid-incident: the new process resumes from the state in Redis.
    await first.shutdown();
    const second = alerter();
    now += 30_000;
    const again = await second.tickOnce();
    expect(again.leader).toBe(true);
    expect(again.outcome?.events).toEqual([]);

    // Recovery: healthy answers; once the window holds only them, three ticks in bounds resolve.
    await traffic(client, '/api/refunds', T0 + 10 * M, T0 + 40 * M, 0.02, 'acme-large-1');
    now = T0 + 40 * M;
    const transitions: string[] = [];
    for (let i = 0; i < 3; i++, now += 30_000)
      transitions.push(...((await second.tickOnce()).outcome?.events.map((e) => e.transition) ?? []));
    expect(transitions).toEqual(['resolved']);
    await second.idle();
    await second.shutdown();

    expect(received.map((r) => [r.body.status, r.verified])).toEqual([
      ['firing', true],
      ['resolved', true],
    ]);
    const [firing, resolved] = received.map((r) => r.body.alerts[0]!);
    expect(firing!.labels).toEqual({
      alertname: 'semantic',
      provider: 'acme',
      route: '/api/refunds',
      metric: 'semantic_failure_rate',
      severity: 'critical',
    });
    expect(firing!.annotations['summary']).toMatch(
      /^semantic failure rate on acme \/api\/refunds rose from 2\.\d% to \d+\.\d% \(n=\d+, p<0\.001\)$/,
    );
    expect(firing!.annotations['example_trace_ids']!.split(',')).toHaveLength(3);
    expect(firing!.annotations['likely_cause']).toContain(
      'response model changed: acme-large-1 → acme-large-2',
    );
    expect(firing!.annotations['dashboard']).toBe(
      'https://grafana.example/d/assay-provider-route?var-provider=acme&var-route=%2Fapi%2Frefunds',
    );
    expect(resolved!.fingerprint).toBe(firing!.fingerprint);
    expect(resolved!.labels).toEqual(firing!.labels);
    expect(received[0]!.id).not.toBe(received[1]!.id);
  });

  it('records every transition in assay.alerts and every delivery in assay.alert_deliveries', async () => {
    const q = async (sql: string) =>
      (await client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, string>>();
    const alerts = await q(`SELECT state, provider, route, rule FROM ${DB}.alerts ORDER BY timestamp`);
    expect(alerts.map((a) => a['state'])).toEqual(['pending', 'firing', 'resolved']);
    expect(alerts[1]).toMatchObject({ provider: 'acme', route: '/api/refunds', rule: 'semantic' });
    const deliveries = await q(
      `SELECT state, outcome, http_status FROM ${DB}.alert_deliveries ORDER BY timestamp`,
    );
    expect(deliveries).toEqual([
      { state: 'firing', outcome: 'delivered', http_status: 204 },
      { state: 'resolved', outcome: 'delivered', http_status: 204 },
    ]);
  });
});
