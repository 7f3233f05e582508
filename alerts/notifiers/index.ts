import type { AlertNotice } from '../notices/notice.ts';
import { alertmanagerNotifier } from './alertmanager.ts';
import { pagerdutyNotifier } from './pagerduty.ts';
import { slackNotifier } from './slack.ts';
import type { ChannelConfig } from './schemas.ts';
import type { BuildContext, HttpRequestSpec } from './types.ts';
import { webhookNotifier } from './webhook.ts';

/** Every channel type, in one explicit list: adding one is its schema, its file and a line in each. */
export { CHANNEL_TYPES, channelConfigSchema, type ChannelConfig, type ChannelType } from './schemas.ts';

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
