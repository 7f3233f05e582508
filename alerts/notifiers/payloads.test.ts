import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../cli/config.ts';
import type { AlertNotice } from '../notices/notice.ts';
import type { ChannelConfig, ChannelType } from './index.ts';
import { alertmanagerNotifier } from './alertmanager.ts';
import { PAGERDUTY_LIMITS, PAGERDUTY_URL, pagerdutyNotifier } from './pagerduty.ts';
import { SLACK_LIMITS, slackNotifier } from './slack.ts';
import { webhookNotifier, type AlertmanagerWebhookBody } from './webhook.ts';

const channels = parseConfig({
  alerts: {
    channels: [
      {
        name: 'hook',
        type: 'webhook',
        url: 'http://127.0.0.1:9/hook',
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      },
      { name: 'raw', type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'plain-shared-secret' },
      { name: 'open', type: 'webhook', url: 'http://127.0.0.1:9/hook' },
      { name: 'slack', type: 'slack', url: 'http://127.0.0.1:9/slack' },
      { name: 'pd', type: 'pagerduty', routing_key: 'R0123456789ABCDEF0123456789ABCDE' },
      { name: 'am', type: 'alertmanager', url: 'http://127.0.0.1:9093/' },
    ],
  },
}).alerts.channels;
/** The channel named `name`, which must be of `type` (so the notifier's build takes it). */
function ch<T extends ChannelType>(name: string, type: T): Extract<ChannelConfig, { type: T }> {
  const c = channels.find((x) => x.name === name);
  if (c?.type !== type) throw new Error(`no ${type} channel ${name}`);
  return c as Extract<ChannelConfig, { type: T }>;
}

const notice = (over: Partial<AlertNotice> = {}): AlertNotice => ({
  id: 'a1b2c3d4e5f60718-firing-1700000000000',
  fingerprint: 'a1b2c3d4e5f60718',
  status: 'firing',
  severity: 'critical',
  labels: {
    alertname: 'refusals',
    provider: 'openai',
    route: '/api/refunds',
    metric: 'pass_rate',
    evaluator: 'refusal',
    severity: 'critical',
  },
  annotations: {
    summary: 'refusal pass rate on openai /api/refunds fell from 98.1% to 61.0% (n=412, p<0.001)',
    description: 'current 61.0% (95% CI 56.2%–65.6%) …',
    example_trace_ids: '0af7651916cd43dd8448eb211c80319c,4bf92f3577b34da6a3ce929d0e0e4736',
    dashboard:
      'https://grafana.example/d/assay-provider-route?var-provider=openai&var-route=%2Fapi%2Frefunds',
  },
  startsAt: '2024-05-01T10:00:00.000Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL:
    'https://grafana.example/d/assay-provider-route?var-provider=openai&var-route=%2Fapi%2Frefunds',
  ...over,
});
const huge = 'x'.repeat(20_000);

describe('generic webhook (Alertmanager v4 body, Standard Webhooks signature)', () => {
  it('has every Alertmanager webhook v4 field', () => {
    const body = JSON.parse(
      webhookNotifier.build(notice(), ch('hook', 'webhook'), { now: 1_700_000_000_000 }).body,
    ) as AlertmanagerWebhookBody;
    expect(body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'hook',
      truncatedAlerts: 0,
      commonLabels: notice().labels,
    });
    expect(typeof body.groupKey).toBe('string');
    expect(body.alerts).toHaveLength(1);
    expect(Object.keys(body.alerts[0]!).sort()).toEqual([
      'annotations',
      'endsAt',
      'fingerprint',
      'generatorURL',
      'labels',
      'startsAt',
      'status',
    ]);
    expect(body.alerts[0]!.endsAt).toBe('0001-01-01T00:00:00Z');
    const resolved = JSON.parse(
      webhookNotifier.build(
        notice({ status: 'resolved', endsAt: '2024-05-01T11:00:00.000Z' }),
        ch('hook', 'webhook'),
        {
          now: 0,
        },
      ).body,
    );
    expect(resolved.status).toBe('resolved');
    expect(resolved.alerts[0].endsAt).toBe('2024-05-01T11:00:00.000Z');
  });

  it.each([
    ['hook', Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64')],
    ['raw', Buffer.from('plain-shared-secret')],
  ])('signs %s so an independent HMAC check verifies it', (name, key) => {
    const req = webhookNotifier.build(notice(), ch(name, 'webhook'), { now: 1_700_000_123_456 });
    expect(req.headers['webhook-id']).toBe(notice().id);
    expect(req.headers['webhook-timestamp']).toBe('1700000123');
    const expected = createHmac('sha256', key)
      .update(`${notice().id}.1700000123.${req.body}`)
      .digest('base64');
    expect(req.headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('keeps webhook-id across retries while the timestamp follows the attempt', () => {
    const a = webhookNotifier.build(notice(), ch('hook', 'webhook'), { now: 1_700_000_000_000 });
    const b = webhookNotifier.build(notice(), ch('hook', 'webhook'), { now: 1_700_000_030_000 });
    expect(b.headers['webhook-id']).toBe(a.headers['webhook-id']);
    expect(b.headers['webhook-timestamp']).not.toBe(a.headers['webhook-timestamp']);
  });

  it('is unsigned without a secret', () => {
    expect(
      webhookNotifier.build(notice(), ch('open', 'webhook'), { now: 0 }).headers['webhook-signature'],
    ).toBeUndefined();
  });
});

describe('Slack incoming webhook', () => {
  it('sends header, section, context blocks and a text fallback within Slack limits', () => {
    const body = JSON.parse(
      slackNotifier.build(
        notice({ annotations: { summary: huge, description: huge, likely_cause: huge } }),
        ch('slack', 'slack'),
        { now: 0 },
      ).body,
    );
    expect(body.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
    expect(body.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(body.blocks.map((b: { type: string }) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'context',
    ]);
    expect(body.blocks[0].text.type).toBe('plain_text');
    expect(body.blocks[0].text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    for (const b of body.blocks.filter((x: { type: string }) => x.type === 'section')) {
      expect(b.text.type).toBe('mrkdwn');
      expect([...b.text.text].length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    }
  });

  it('says what is wrong in the fallback text', () => {
    const body = JSON.parse(slackNotifier.build(notice(), ch('slack', 'slack'), { now: 0 }).body);
    expect(body.text).toContain('refusal pass rate on openai /api/refunds fell from 98.1% to 61.0%');
  });
});

describe('PagerDuty Events API v2', () => {
  it('triggers with the required fields and limits', () => {
    const req = pagerdutyNotifier.build(
      notice({ fingerprint: 'f'.repeat(400), annotations: { summary: huge } }),
      ch('pd', 'pagerduty'),
      { now: 0 },
    );
    expect(req.url).toBe(PAGERDUTY_URL);
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ routing_key: 'R0123456789ABCDEF0123456789ABCDE', event_action: 'trigger' });
    expect(body.dedup_key.length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.dedupKey);
    expect([...body.payload.summary].length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.summary);
    expect(body.payload.source).toBeTruthy();
    expect(['critical', 'error', 'warning', 'info']).toContain(body.payload.severity);
  });

  it('resolves with the same dedup_key', () => {
    const t = JSON.parse(pagerdutyNotifier.build(notice(), ch('pd', 'pagerduty'), { now: 0 }).body);
    const r = JSON.parse(
      pagerdutyNotifier.build(notice({ status: 'resolved' }), ch('pd', 'pagerduty'), { now: 0 }).body,
    );
    expect(r).toEqual({ routing_key: t.routing_key, dedup_key: t.dedup_key, event_action: 'resolve' });
  });
});

describe('Alertmanager push (POST /api/v2/alerts)', () => {
  it('posts postableAlerts; firing holds for a while, resolved ends now', () => {
    const req = alertmanagerNotifier.build(notice(), ch('am', 'alertmanager'), {
      now: Date.parse('2024-05-01T10:05:00Z'),
    });
    expect(req.url).toBe('http://127.0.0.1:9093/api/v2/alerts');
    const [alert] = JSON.parse(req.body);
    expect(Object.keys(alert).sort()).toEqual([
      'annotations',
      'endsAt',
      'generatorURL',
      'labels',
      'startsAt',
    ]);
    expect(Date.parse(alert.endsAt)).toBeGreaterThan(Date.parse('2024-05-01T10:05:00Z'));
    const [done] = JSON.parse(
      alertmanagerNotifier.build(
        notice({ status: 'resolved', endsAt: '2024-05-01T10:09:00.000Z' }),
        ch('am', 'alertmanager'),
        { now: 0 },
      ).body,
    );
    expect(done.endsAt).toBe('2024-05-01T10:09:00.000Z');
  });
});
