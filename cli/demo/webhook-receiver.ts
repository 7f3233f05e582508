import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One notification as on-call would receive it, with the result of the signature check. */
export interface ReceivedAlert {
  receivedAt: number;
  /** `webhook-id`: the same for every retry of one notification, different between them. */
  id: string;
  /** Signature valid and `webhook-timestamp` within the tolerance. */
  verified: boolean;
  body: AlertmanagerWebhook;
}

/** The Prometheus Alertmanager webhook body (version 4) that Assay's generic webhook sends. */
export interface AlertmanagerWebhook {
  version: string;
  status: 'firing' | 'resolved';
  groupKey: string;
  commonLabels: Record<string, string>;
  alerts: Array<{
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    fingerprint: string;
    generatorURL: string;
  }>;
}

/** Standard Webhooks: a receiver rejects timestamps further than this from its own clock. */
const TIMESTAMP_TOLERANCE_S = 300;

/**
 * A stand-in for the on-call system: verifies the Standard Webhooks signature
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`, timestamp
 * within ±5 minutes) with its own HMAC, not Assay's signer, answers 204 (401 when the check
 * fails) and hands each notification to `onAlert`.
 */
export async function startWebhookReceiver(
  secret: string,
  onAlert: (alert: ReceivedAlert) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      const ts = String(req.headers['webhook-timestamp'] ?? '');
      const expected = createHmac('sha256', key).update(`${id}.${ts}.${raw}`).digest();
      const fresh = Math.abs(Date.now() / 1000 - Number(ts)) <= TIMESTAMP_TOLERANCE_S;
      const verified =
        fresh &&
        String(req.headers['webhook-signature'] ?? '')
          .split(' ')
          .some((sig) => {
            const [version, value] = sig.split(',');
            const got = Buffer.from(value ?? '', 'base64');
            return version === 'v1' && got.length === expected.length && timingSafeEqual(got, expected);
          });
      res.writeHead(verified ? 204 : 401).end();
      try {
        onAlert({ receivedAt: Date.now(), id, verified, body: JSON.parse(raw) as AlertmanagerWebhook });
      } catch {
        // not JSON: ignored, the 2xx/401 already told the sender
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/on-call`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
