import { createHmac } from 'node:crypto';
import { ZERO_TIME, type AlertNotice } from '../notices/notice.ts';
import { webhookChannel } from './schemas.ts';
import { JSON_HEADERS, type NotifierDefinition } from './types.ts';

/** Prometheus Alertmanager webhook body, version 4 (alertmanager docs/configuration.md `<webhook_config>`). */
export interface AlertmanagerWebhookBody {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: {
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }[];
}

export function alertmanagerWebhookBody(notice: AlertNotice, receiver: string): AlertmanagerWebhookBody {
  const alertname = notice.labels['alertname'] ?? '';
  return {
    version: '4',
    groupKey: `{}:{alertname="${alertname}", fingerprint="${notice.fingerprint}"}`,
    truncatedAlerts: 0,
    status: notice.status,
    receiver,
    groupLabels: { alertname },
    commonLabels: notice.labels,
    commonAnnotations: notice.annotations,
    externalURL: notice.generatorURL ? new URL(notice.generatorURL).origin : '',
    alerts: [
      {
        status: notice.status,
        labels: notice.labels,
        annotations: notice.annotations,
        startsAt: notice.startsAt,
        endsAt: notice.status === 'resolved' ? notice.endsAt : ZERO_TIME,
        generatorURL: notice.generatorURL,
        fingerprint: notice.fingerprint,
      },
    ],
  };
}

/**
 * The signing key of a Standard Webhooks secret: `whsec_<base64>` is decoded (the spec's form);
 * any other string is used as raw bytes, for receivers configured with a plain shared secret.
 */
export function signingKey(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` (Standard Webhooks spec v1). */
export function standardWebhookSignature(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): string {
  return `v1,${createHmac('sha256', signingKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** Generic webhook: Alertmanager v4 body, signed per Standard Webhooks when a secret is set. */
export const webhookNotifier: NotifierDefinition<typeof webhookChannel> = {
  id: 'webhook',
  version: '1',
  schema: webhookChannel,
  build(notice, channel, ctx) {
    const body = JSON.stringify(alertmanagerWebhookBody(notice, channel.name));
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (channel.secret) {
      const ts = Math.floor(ctx.now / 1000);
      headers['webhook-id'] = notice.id;
      headers['webhook-timestamp'] = String(ts);
      headers['webhook-signature'] = standardWebhookSignature(channel.secret, notice.id, ts, body);
    }
    return { url: channel.url, headers, body };
  },
};
