import type { AlertsConfig } from '../config.ts';
import { createLogger } from '../../core/logger.ts';
import { deliver, type DeliveryAttempt } from '../notifiers/delivery.ts';
import type { AlertNotice } from './notice.ts';

/** A notice that says plainly it is a test, with the labels a real alert carries. */
export function testNotice(now: number): AlertNotice {
  return {
    id: `assay-test-${now}`,
    fingerprint: `assay-test-${now}`,
    status: 'firing',
    severity: 'info',
    labels: {
      alertname: 'assay_test',
      provider: 'test',
      route: '/test',
      metric: 'semantic_failure_rate',
      severity: 'info',
    },
    annotations: {
      summary: 'Test notification from Assay: this channel is configured correctly',
      description: 'Sent by `assay alerts test`; no regression was detected.',
    },
    startsAt: new Date(now).toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: '',
  };
}

/** `assay alerts test --channel NAME`: sends one test notice (with the channel's retries) and reports the last attempt. */
export async function sendTestNotification(
  config: { alerts: Pick<AlertsConfig, 'channels'>; log_level: string },
  channelName: string,
  opts: { fetch?: typeof fetch } = {},
): Promise<DeliveryAttempt> {
  const channel = config.alerts.channels.find((c) => c.name === channelName);
  if (!channel) {
    const known = config.alerts.channels.map((c) => c.name).join(', ') || 'none configured';
    throw new Error(`no channel named "${channelName}" in alerts.channels (${known})`);
  }
  return deliver(channel, testNotice(Date.now()), {
    logger: createLogger(config.log_level),
    fetch: opts.fetch,
  });
}
