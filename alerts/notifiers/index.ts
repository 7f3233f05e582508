import type { ChannelType } from '../config.ts';
import { alertmanagerNotifier } from './alertmanager.ts';
import { pagerdutyNotifier } from './pagerduty.ts';
import { slackNotifier } from './slack.ts';
import type { NotifierDefinition } from './types.ts';
import { webhookNotifier } from './webhook.ts';

/** Every channel type, in one explicit list. */
export const NOTIFIERS: readonly NotifierDefinition[] = [
  webhookNotifier,
  slackNotifier,
  pagerdutyNotifier,
  alertmanagerNotifier,
];

export function notifierFor(type: ChannelType): NotifierDefinition {
  const n = NOTIFIERS.find((d) => d.id === type);
  if (!n) throw new Error(`no notifier for channel type ${type}`);
  return n;
}
