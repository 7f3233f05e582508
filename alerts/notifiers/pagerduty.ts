import { pagerdutyChannel } from './schemas.ts';
import { JSON_HEADERS, truncate, type NotifierDefinition } from './types.ts';

export { PAGERDUTY_URL } from './schemas.ts';
/** PagerDuty Events API v2 limits: dedup_key 255 characters, summary 1024. */
export const PAGERDUTY_LIMITS = { dedupKey: 255, summary: 1024 };

/**
 * PagerDuty Events API v2: `trigger` on firing (and reminders: same `dedup_key`, so they append
 * to the open incident), `resolve` on resolved. `dedup_key` is the alert fingerprint, stable
 * across restarts, so the resolve closes the incident the trigger opened.
 */

export const pagerdutyNotifier: NotifierDefinition<typeof pagerdutyChannel> = {
  id: 'pagerduty',
  version: '1',
  schema: pagerdutyChannel,
  build(notice, channel) {
    const dedup_key = truncate(notice.fingerprint, PAGERDUTY_LIMITS.dedupKey);
    const base = { routing_key: channel.routing_key, dedup_key };
    const body =
      notice.status === 'resolved'
        ? { ...base, event_action: 'resolve' }
        : {
            ...base,
            event_action: 'trigger',
            client: 'Assay',
            ...(notice.generatorURL
              ? { client_url: notice.generatorURL, links: [{ href: notice.generatorURL, text: 'Dashboard' }] }
              : {}),
            payload: {
              summary: truncate(
                notice.annotations['summary'] ?? notice.labels['alertname'] ?? 'Assay alert',
                PAGERDUTY_LIMITS.summary,
              ),
              source: `assay/${notice.labels['provider'] ?? ''}${notice.labels['route'] ?? ''}`,
              severity: notice.severity,
              timestamp: notice.startsAt,
              component: notice.labels['provider'],
              group: notice.labels['route'],
              class: notice.labels['metric'],
              custom_details: { ...notice.annotations, labels: notice.labels },
            },
          };
    return { url: channel.url, headers: { ...JSON_HEADERS }, body: JSON.stringify(body) };
  },
};
