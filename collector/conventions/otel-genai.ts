import type { Span } from '../span.ts';
import type { Attributes } from '../span.ts';
import { field, isRecord, parseJson } from './attrs.ts';
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
  return concat(parts);
};

/** Joins the content of several events in order. */
function concat(parts: Content[]): Content | undefined {
  if (parts.length === 0) return undefined;
  const cat = (k: 'system' | 'input' | 'output'): Message[] => parts.flatMap((p) => p[k] ?? []);
  return {
    system: cat('system'),
    input: cat('input'),
    output: cat('output'),
    finishReason: parts.find((p) => p.finishReason)?.finishReason,
  };
}

/**
 * The GenAI events folded into one `events` span attribute (a JSON list): Pydantic AI's
 * `event_mode='attributes'` (items name themselves in `event.name`) and Logfire's span event
 * logger for the OTel google-genai instrumentation (items carry only `role`, or `message` for
 * the choice).
 */
export const eventsAttribute: ContentSource = (span) => {
  const list = parseJson(span.attributes['events']);
  if (!Array.isArray(list)) return undefined;
  const parts: Content[] = [];
  for (const item of list) {
    if (!isRecord(item)) continue;
    const role = typeof item['role'] === 'string' ? item['role'] : undefined;
    const name =
      typeof item['event.name'] === 'string'
        ? item['event.name']
        : item['message'] !== undefined
          ? 'gen_ai.choice'
          : `gen_ai.${role === 'system' || role === 'assistant' || role === 'tool' ? role : 'user'}.message`;
    const c = contentFromEvent(name, item, item as Attributes);
    if (c) parts.push(c);
  }
  return concat(parts);
};

/**
 * Prompt or completion text that is not JSON: OpenLIT 1.x writes `user: What is …` (one
 * `role: text` line per message). Lines that do not open with a role continue the message.
 */
function fromRoleText(v: string, defaultRole: string): Message[] {
  const out: Message[] = [];
  for (const line of v.split('\n')) {
    const m = /^(system|user|assistant|tool|developer|model): ?(.*)$/.exec(line);
    if (m) out.push({ role: m[1] as string, content: m[2] as string });
    else if (out.length) (out[out.length - 1] as Message).content += `\n${line}`;
    else out.push({ role: defaultRole, content: line });
  }
  return out.filter((x) => x.content !== '');
}

/** v1.26–v1.27 span events `gen_ai.content.prompt` / `.completion` (JSON in OpenAI format, or text). */
export const v127ContentEvents: ContentSource = (span) => {
  let input: Message[] | undefined;
  let output: Message[] | undefined;
  for (const ev of span.events) {
    if (ev.name === 'gen_ai.content.prompt') {
      const v = parseJson(ev.attributes['gen_ai.prompt']);
      input = typeof v === 'string' ? fromRoleText(v, 'user') : fromChatMessages(v, 'user');
    }
    if (ev.name === 'gen_ai.content.completion') {
      const v = parseJson(ev.attributes['gen_ai.completion']);
      output = typeof v === 'string' ? [{ role: 'assistant', content: v }] : fromChatMessages(v, 'assistant');
    }
  }
  return input || output ? { input, output } : undefined;
};

/**
 * Logfire's own OpenAI/Anthropic instrumentation in `version=1` mode: the request as
 * `request_data` (`messages`, Anthropic `system`) and the answer as `response_data` (`message`
 * of a chat completion or a stream's combined message, Anthropic `content` blocks).
 */
export const logfireData: ContentSource = (span) => {
  const req = parseJson(span.attributes['request_data']);
  const res = parseJson(span.attributes['response_data']);
  if (!isRecord(req) && !isRecord(res)) return undefined;
  const input = fromChatMessages(field(req, 'messages'), 'user');
  const system =
    typeof field(req, 'system') === 'string'
      ? [{ role: 'system', content: field(req, 'system') as string }]
      : [];
  const message = field(res, 'message') ?? (isRecord(res) && Array.isArray(res['content']) ? res : undefined);
  const output =
    message === undefined ? undefined : fromChatMessages([{ role: 'assistant', ...message }], 'assistant');
  return { system, input, output };
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
  content: [messageAttributes, messageSpanEvents, eventsAttribute, v127ContentEvents, logfireData],
  contentInLogs(span: Span, found: Content): boolean {
    const a = span.attributes;
    const none = !found.input?.length && !found.output?.length && !found.system?.length;
    return none && a['gen_ai.system'] !== undefined && a['gen_ai.provider.name'] === undefined;
  },
};
