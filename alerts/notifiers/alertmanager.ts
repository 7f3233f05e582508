import { alertmanagerChannel } from './schemas.ts';
import { JSON_HEADERS, type NotifierDefinition } from './types.ts';

/**
 * How long Alertmanager keeps a pushed alert firing without hearing from us again. The alerter
 * re-pushes firing alerts every {@link ALERTMANAGER_RESEND_MS}, as Prometheus does, so an
 * alerter that dies leaves no alert firing forever.
 */
export const ALERTMANAGER_HOLD_MS = 5 * 60_000;
export const ALERTMANAGER_RESEND_MS = 60_000;

/** Push to a running Alertmanager: `POST {url}/api/v2/alerts`; resolve = the same alert with `endsAt` now. */
export const alertmanagerNotifier: NotifierDefinition<typeof alertmanagerChannel> = {
  id: 'alertmanager',
  version: '1',
  schema: alertmanagerChannel,
  build(notice, channel, ctx) {
    const endsAt =
      notice.status === 'resolved' ? notice.endsAt : new Date(ctx.now + ALERTMANAGER_HOLD_MS).toISOString();
    const alert = {
      labels: notice.labels,
      annotations: notice.annotations,
      startsAt: notice.startsAt,
      endsAt,
      ...(notice.generatorURL ? { generatorURL: notice.generatorURL } : {}),
    };
    const url = `${channel.url.replace(/\/$/, '')}/api/v2/alerts`;
    return { url, headers: { ...JSON_HEADERS }, body: JSON.stringify([alert]) };
  },
};
