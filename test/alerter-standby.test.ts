import type { ChildProcess } from 'node:child_process';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { migrate } from '../storage/migrate.ts';
import { eventually, startRoleProcess, writeRoleConfig } from './helpers/assay.ts';
import { startBackends, type TestBackends } from './helpers/backends.ts';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.ts';

// Two `assay alerter` processes on one ClickHouse and one Redis: one leads (the Redis lock), the
// other stands by. The leader pages, then is SIGKILLed mid-incident. The standby takes over once
// the lock expires, reads the firing state the leader saved in Redis, so it does not page again,
// and sends the resolve when the failures stop.

const SECRET = `whsec_${Buffer.from('alerter-standby-test-secret-32-bytes').toString('base64')}`;
const DB = 'assay_standby';
/** The lock's TTL: max(3 × alerts.interval, 5 s) (alerts/alerter.ts). */
const LOCK_TTL_MS = 5000;
const children: ChildProcess[] = [];
let backends: TestBackends;
let receiver: WebhookReceiver;
let client: ClickHouseClient;

beforeAll(async () => {
  [backends, receiver] = await Promise.all([startBackends('assay-standby-'), startWebhookReceiver(SECRET)]);
  client = createClickhouseClient(
    { ...parseConfig({}).clickhouse, password: backends.clickhousePassword },
    backends.clickhouseUrl,
  );
  await migrate(client, { database: DB, ttlDays: 30, logger: silentLogger });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await client?.close();
  await receiver?.close();
  await backends?.shutdown();
});

/** `n` scored calls on acme /api/refunds over the last two minutes, the first `failing` of them failed. */
async function verdicts(n: number, failing: number, seed: string): Promise<void> {
  const now = Date.now();
  const rows = Array.from({ length: n }, (_, i) => ({
    timestamp: now - 120_000 + Math.floor((i * 110_000) / n),
    trace_id: `${seed}${i}`.padEnd(32, '0'),
    span_id: 'aaaaaaaaaaaaaaaa',
    service: 'support-api',
    provider: 'acme',
    model: 'acme-large',
    route: '/api/refunds',
    status: 'ok',
    failed: i < failing ? 1 : 0,
    failed_evaluators: i < failing ? ['refusal'] : [],
    sample_weight: 1,
  }));
  await client.insert({ table: `${DB}.call_verdicts`, values: rows, format: 'JSONEachRow' });
}

interface Alerter {
  name: string;
  child: ChildProcess;
  /** `assay_alert_ticks_total{role}` from its /metrics. */
  ticks(role: 'leader' | 'standby'): Promise<number>;
}

async function startAlerter(name: string): Promise<Alerter> {
  const { child, url } = await startRoleProcess(
    'alerter',
    () =>
      writeRoleConfig(backends, name, {
        clickhouse: { database: DB },
        redis: { prefix: 'standby' },
        alerts: {
          interval: '1s',
          channels: [{ name: 'on-call', type: 'webhook', url: receiver.url, secret: SECRET }],
          rules: [
            {
              name: 'refunds-failing',
              kind: 'threshold',
              metric: 'semantic_failure_rate',
              by: ['provider', 'route'],
              window: '5m',
              min_samples: 30,
              threshold: { op: '>', value: 0.3 },
              for: 1,
              resolve_after: 2,
              severity: 'critical',
            },
          ],
        },
      }),
    children,
  );
  return {
    name,
    child,
    ticks: async (role) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const m = new RegExp(`^assay_alert_ticks_total\\{role="${role}"\\} (\\d+)`, 'm').exec(text);
      return Number(m?.[1] ?? 0);
    },
  };
}

const atLeast = (a: Alerter, role: 'leader' | 'standby', n: number, timeoutMs = 60_000): Promise<number> =>
  eventually(async () => {
    const t = await a.ticks(role);
    return t >= n ? t : undefined;
  }, timeoutMs);

describe('a standby alerter', () => {
  it('takes over from a SIGKILLed leader mid-incident: no second page, and the resolve', async () => {
    const both = await Promise.all([startAlerter('alerter-a'), startAlerter('alerter-b')]);
    // Whichever took the lock first leads; the other stands by.
    const a = await eventually(async () => {
      const leads = await Promise.all(both.map((x) => x.ticks('leader')));
      return leads.filter((t) => t > 0).length === 1 ? both[leads.findIndex((t) => t > 0)] : undefined;
    }, 60_000);
    const b = both.find((x) => x !== a) as Alerter;
    await atLeast(b, 'standby', 2);
    expect(await b.ticks('leader')).toBe(0);

    // The incident: 60 % of refunds answers fail. The leader pages once.
    await verdicts(100, 60, 'inc');
    await eventually(async () => (receiver.received.length >= 1 ? true : undefined), 60_000);
    expect(receiver.received.map((r) => [r.body.status, r.verified])).toEqual([['firing', true]]);
    expect(await b.ticks('leader')).toBe(0);

    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    await atLeast(b, 'leader', 1);
    const takeoverMs = Date.now() - killedAt;
    // The lock expires at most one TTL after the leader's last renewal (before the kill); the
    // standby tries every interval. The margin is for a loaded machine.
    expect(takeoverMs).toBeLessThan(LOCK_TTL_MS + 10_000);
    console.log(
      `standby took over ${takeoverMs} ms after the leader was killed (lock TTL ${LOCK_TTL_MS} ms)`,
    );

    // Still firing under the new leader, for several ticks: no second page.
    const led = await b.ticks('leader');
    await atLeast(b, 'leader', led + 3);
    expect(receiver.received.map((r) => r.body.status)).toEqual(['firing']);

    // Recovery: enough good answers that the window's failure rate falls under the threshold.
    await verdicts(3000, 0, 'ok');
    await eventually(async () => (receiver.received.length >= 2 ? true : undefined), 60_000);
    const [firing, resolved] = receiver.received;
    expect(resolved?.body.status).toBe('resolved');
    expect(resolved?.verified).toBe(true);
    expect(resolved?.body.alerts[0]?.fingerprint).toBe(firing?.body.alerts[0]?.fingerprint);
    // And nothing more after it, over a few more ticks.
    const after = await b.ticks('leader');
    await atLeast(b, 'leader', after + 2);
    expect(receiver.received.map((r) => r.body.status)).toEqual(['firing', 'resolved']);

    b.child.kill('SIGTERM');
    expect(await new Promise((r) => b.child.once('exit', r))).toBe(0);
  });
});
