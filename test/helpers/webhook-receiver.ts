import {
  startWebhookReceiver as startReceiver,
  type ReceivedAlert,
} from '../../cli/demo/webhook-receiver.ts';

/** One notification as on-call's receiver saw it (signature checked with the receiver's own HMAC). */
export type ReceivedWebhook = ReceivedAlert;

export interface WebhookReceiver {
  url: string;
  /** Every notification, in arrival order. */
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

/** The demo's on-call stand-in (Standard Webhooks verification), recording what it receives. */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const receiver = await startReceiver(secret, (alert) => received.push(alert));
  return { ...receiver, received };
}
