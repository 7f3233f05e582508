import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One notification as on-call's receiver saw it. */
export interface ReceivedWebhook {
  /** Signature and timestamp checked per Standard Webhooks, with this file's own HMAC. */
  verified: boolean;
  id: string;
  receivedAt: number;
  body: {
    status: string;
    groupKey: string;
    commonLabels: Record<string, string>;
    alerts: {
      status: string;
      labels: Record<string, string>;
      annotations: Record<string, string>;
      fingerprint: string;
      startsAt: string;
      endsAt: string;
    }[];
  };
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

/**
 * On-call's side of the generic webhook channel: verifies `webhook-id`, `webhook-timestamp`
 * and `webhook-signature` against `secret` (`whsec_<base64 key>`) independently of Assay's
 * signer, answers 204 (401 when the signature is wrong) and records every body.
 */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id']);
      const ts = String(req.headers['webhook-timestamp']);
      const expected = createHmac('sha256', key).update(`${id}.${ts}.${raw}`).digest();
      const got = Buffer.from(String(req.headers['webhook-signature'] ?? '').replace(/^v1,/, ''), 'base64');
      const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
      const verified = fresh && got.length === expected.length && timingSafeEqual(got, expected);
      received.push({
        verified,
        id,
        receivedAt: Date.now(),
        body: JSON.parse(raw) as ReceivedWebhook['body'],
      });
      res.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
