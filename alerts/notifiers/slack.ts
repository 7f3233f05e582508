import { slackChannel } from './schemas.ts';
import { JSON_HEADERS, truncate, type NotifierDefinition } from './types.ts';

/** Slack limits (api.slack.com block kit reference): section text 3000, header 150, 50 blocks. */
export const SLACK_LIMITS = {
  sectionText: 3000,
  headerText: 150,
  contextText: 2000,
  blocks: 50,
  fallbackText: 3000,
};

/** Slack incoming webhook: `text` fallback plus header, summary section, details section, context. */
export const slackNotifier: NotifierDefinition<typeof slackChannel> = {
  id: 'slack',
  version: '1',
  schema: slackChannel,
  build(notice, channel) {
    const a = notice.annotations;
    const icon = notice.status === 'firing' ? ':red_circle:' : ':large_green_circle:';
    const title = `${notice.status === 'firing' ? 'FIRING' : 'RESOLVED'} [${notice.severity}] ${notice.labels['alertname'] ?? ''}`;
    const details = [
      a['description'],
      a['likely_cause'] ? `*Likely cause:* ${a['likely_cause']}` : undefined,
      a['example_trace_ids']
        ? `*Example traces:* ${a['example_trace_ids']
            .split(',')
            .map((t) => `\`${t}\``)
            .join(' ')}`
        : undefined,
      a['dashboard'] ? `<${a['dashboard']}|Open the dashboard>` : undefined,
    ].filter(Boolean);
    const labels = Object.entries(notice.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join('  ');
    const blocks: unknown[] = [
      {
        type: 'header',
        text: { type: 'plain_text', text: truncate(title, SLACK_LIMITS.headerText), emoji: true },
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: truncate(`${icon} *${a['summary'] ?? title}*`, SLACK_LIMITS.sectionText),
        },
      },
    ];
    if (details.length) {
      blocks.push({
        type: 'section',
        text: { type: 'mrkdwn', text: truncate(details.join('\n'), SLACK_LIMITS.sectionText) },
      });
    }
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(labels, SLACK_LIMITS.contextText) }],
    });
    const text = truncate(`${title}: ${a['summary'] ?? ''}`, SLACK_LIMITS.fallbackText);
    return { url: channel.url, headers: { ...JSON_HEADERS }, body: JSON.stringify({ text, blocks }) };
  },
};
