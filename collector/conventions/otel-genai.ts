import type { Span } from '../span.ts';
import { parseJson } from './attrs.ts';
import type { ContentSource, ConventionDefinition } from './convention.ts';
import { contentFromEvent } from './events.ts';
import { contentFromMessageAttributes } from './message-attributes.ts';
import { fromChatMessages, type Content, type Message } from './messages.ts';

export const messageAttributes: ContentSource = (span) => contentFromMessageAttributes(span.attributes);

/**
 * v1.28–v1.36 per-message events placed on the span instead of in log records (some producers
 * do; Langfuse reads them there too). Body fields are the event's attributes.
 */
export const messageSpanEvents: ContentSource = (span) => {
  const parts: Content[] = [];
  for (const ev of span.events) {
    if (!ev.name.startsWith('gen_ai.')) continue;
    const c = contentFromEvent(ev.name, undefined, ev.attributes);
    if (c) parts.push(c);
  }
  if (parts.length === 0) return undefined;
  const cat = (k: 'system' | 'input' | 'output'): Message[] => parts.flatMap((p) => p[k] ?? []);
  return {
    system: cat('system'),
    input: cat('input'),
    output: cat('output'),
    finishReason: parts.find((p) => p.finishReason)?.finishReason,
  };
};

/** v1.26–v1.27 span events `gen_ai.content.prompt` / `.completion` (JSON in OpenAI format). */
export const v127ContentEvents: ContentSource = (span) => {
  let input: Message[] | undefined;
  let output: Message[] | undefined;
  for (const ev of span.events) {
    if (ev.name === 'gen_ai.content.prompt') input = fromChatMessages(ev.attributes['gen_ai.prompt'], 'user');
    if (ev.name === 'gen_ai.content.completion') {
      const v = parseJson(ev.attributes['gen_ai.completion']);
      output = typeof v === 'string' ? [{ role: 'assistant', content: v }] : fromChatMessages(v, 'assistant');
    }
  }
  return input || output ? { input, output } : undefined;
};

/**
 * OTel GenAI inference spans. Content: v1.37+ attributes, else per-message span events, else the
 * v1.27 content events. v1.28–v1.36 producers (`@opentelemetry/instrumentation-openai`) put
 * content only in log records: recognised by the pre-v1.37 `gen_ai.system` key without
 * `gen_ai.provider.name` and no content on the span.
 */
export const otelGenai: ConventionDefinition = {
  id: 'otel_genai',
  version: 1,
  defaultOperation: 'chat',
  content: [messageAttributes, messageSpanEvents, v127ContentEvents],
  contentInLogs(span: Span, found: Content): boolean {
    const a = span.attributes;
    const none = !found.input?.length && !found.output?.length && !found.system?.length;
    return none && a['gen_ai.system'] !== undefined && a['gen_ai.provider.name'] === undefined;
  },
};
