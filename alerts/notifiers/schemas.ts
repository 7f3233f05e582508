import { z } from 'zod';
import { channelSchema, urlSchema } from './channel.ts';

// Each channel type's config schema (an `alerts.channels[]` entry of that `type`), apart from
// its notifier so the config can be validated without loading what builds the payloads.

export const PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';

export const webhookChannel = channelSchema('webhook', {
  /** Where to POST. */
  url: urlSchema,
  /** Signing secret (`whsec_<base64>` or a raw string). Unset → unsigned. */
  secret: z.string().min(1).optional(),
});

/** The incoming webhook's URL (`https://hooks.slack.com/services/…`). */
export const slackChannel = channelSchema('slack', { url: urlSchema });

export const pagerdutyChannel = channelSchema('pagerduty', {
  /** The Events API v2 integration key. */
  routing_key: z.string().min(1),
  /** The Events API endpoint. Default `https://events.pagerduty.com/v2/enqueue`. */
  url: urlSchema.default(PAGERDUTY_URL),
});

/** The Alertmanager's base URL (`/api/v2/alerts` is appended). */
export const alertmanagerChannel = channelSchema('alertmanager', { url: urlSchema });

/**
 * One `alerts.channels[]` entry: its `type` picks the notifier, whose schema says which keys
 * it takes (`webhook`: `url`, `secret`; `slack`: `url`; `pagerduty`: `routing_key`, `url`;
 * `alertmanager`: `url`), besides the shared `name`, `timeout`, `max_attempts` and `queue_size`.
 */
export const channelConfigSchema = z.discriminatedUnion('type', [
  webhookChannel,
  slackChannel,
  pagerdutyChannel,
  alertmanagerChannel,
]);
export type ChannelConfig = z.output<typeof channelConfigSchema>;
export type ChannelType = ChannelConfig['type'];

export const CHANNEL_TYPES: readonly ChannelType[] = channelConfigSchema.options.map(
  (o) => o.shape.type.value,
);
