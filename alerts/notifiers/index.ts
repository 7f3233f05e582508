import { z } from 'zod';
import type { AlertNotice } from '../notices/notice.ts';
import { alertmanagerNotifier } from './alertmanager.ts';
import { pagerdutyNotifier } from './pagerduty.ts';
import { slackNotifier } from './slack.ts';
import type { BuildContext, HttpRequestSpec } from './types.ts';
import { webhookNotifier } from './webhook.ts';

/**
 * One `alerts.channels[]` entry: its `type` picks the notifier, whose own schema says which keys
 * it takes (`webhook`: `url`, `secret`; `slack`: `url`; `pagerduty`: `routing_key`, `url`;
 * `alertmanager`: `url`), besides the shared `name`, `timeout`, `max_attempts` and `queue_size`.
 * Every channel type, in one explicit list: adding one is its file and a line here.
 */
export const channelConfigSchema = z.discriminatedUnion('type', [
  webhookNotifier.schema,
  slackNotifier.schema,
  pagerdutyNotifier.schema,
  alertmanagerNotifier.schema,
]);
export type ChannelConfig = z.output<typeof channelConfigSchema>;
export type ChannelType = ChannelConfig['type'];

export const CHANNEL_TYPES: readonly ChannelType[] = channelConfigSchema.options.map(
  (o) => o.shape.type.value,
);

/** The request a channel's notifier makes of a notice (its payload format, its URL, its signature). */
export function buildRequest(
  channel: ChannelConfig,
  notice: AlertNotice,
  ctx: BuildContext,
): HttpRequestSpec {
  switch (channel.type) {
    case 'webhook':
      return webhookNotifier.build(notice, channel, ctx);
    case 'slack':
      return slackNotifier.build(notice, channel, ctx);
    case 'pagerduty':
      return pagerdutyNotifier.build(notice, channel, ctx);
    case 'alertmanager':
      return alertmanagerNotifier.build(notice, channel, ctx);
  }
}
