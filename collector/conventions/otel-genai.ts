import { StatusCode, type Attributes, type Span } from '../span.ts';
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
 * `gen_ai.prompt` / `gen_ai.completion` as span attributes (Mastra's OTel exporter, early Strands
 * Agents): the framework's own input and output, as text or JSON — a `{messages}` request or a
 * message list for the prompt, a `{role, content}` message (or a list) for the answer.
 */
export const promptCompletionAttributes: ContentSource = (span) => {
  const a = span.attributes;
  if (a['gen_ai.prompt'] === undefined && a['gen_ai.completion'] === undefined) return undefined;
  const read = (raw: unknown, role: string): Message[] | undefined => {
    const v = parseJson(raw);
    if (typeof v === 'string') return v ? [{ role, content: v }] : undefined;
    if (Array.isArray(v)) return fromChatMessages(v, role);
    if (!isRecord(v)) return undefined;
    if (Array.isArray(v['messages'])) return fromChatMessages(v['messages'], role);
    return fromChatMessages([v], role);
  };
  return { input: read(a['gen_ai.prompt'], 'user'), output: read(a['gen_ai.completion'], 'assistant') };
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
 * `gen_ai.operation.name` values of an inference call (reference §1.2, §8). Everything else —
 * `embeddings`, `invoke_agent`, `agent_step`, `create_agent`, `execute_tool`, `retrieval`,
 * `invoke_workflow` — is a wrapper or not a completion, and counting it would double usage.
 */
export const INFERENCE_OPERATIONS: ReadonlySet<string> = new Set([
  'chat',
  'text_completion',
  'generate_content',
  'completion',
]);

/** True when the span names an inference operation (`undefined` when it names none). */
export function isInference(span: Span): boolean | undefined {
  const op = span.attributes['gen_ai.operation.name'];
  if (op === undefined) return undefined;
  return typeof op === 'string' && INFERENCE_OPERATIONS.has(op);
}

/**
 * Producers that report one streamed call as two spans: a request span that ends when the
 * stream is handed back (no answer, no usage) and a separate record with the whole answer.
 * The request span is not counted; the record is the call. Keyed by the attribute naming the
 * span's message template (Logfire: `Chat Completion with …` then `streaming response from …`).
 */
const STREAM_SPLIT: ReadonlyArray<{ templateKey: string; answerTemplate: string; answerKeys: string[] }> = [
  {
    templateKey: 'logfire.msg_template',
    answerTemplate: 'streaming response from',
    answerKeys: [
      'gen_ai.output.messages',
      'response_data',
      'gen_ai.response.id',
      'gen_ai.usage.output_tokens',
    ],
  },
];

/** The request half of a call whose answer a producer reports in a separate record. */
function isStreamRequestHalf(span: Span): boolean {
  const a = span.attributes;
  for (const rule of STREAM_SPLIT) {
    const template = a[rule.templateKey];
    if (typeof template !== 'string' || template.startsWith(rule.answerTemplate)) continue;
    if (span.status.code === StatusCode.ERROR) return false;
    return rule.answerKeys.every((k) => a[k] === undefined);
  }
  return false;
}

const MESSAGE_EVENT = /^gen_ai\.(?:choice|(?:system|user|assistant|tool)\.message)$/;

/**
 * A span without an operation name that still names a model: v1.26 OTel GenAI, producers that
 * only set the model, and Semantic Kernel .NET (1.55+), whose chat span names only
 * `gen_ai.response.model` and carries its messages as `gen_ai.*` span events (a response model
 * alone is not enough: agents set it).
 */
export function namesModelOnly(span: Span): boolean {
  const a = span.attributes;
  if (a['gen_ai.request.model'] !== undefined) return true;
  return a['gen_ai.response.model'] !== undefined && span.events.some((e) => MESSAGE_EVENT.test(e.name));
}

/** The GenAI keys a span is recognised by (OpenLLMetry's current spans use them too). */
export const GEN_AI_KEYS = [
  'gen_ai.operation.name',
  'gen_ai.request.model',
  'gen_ai.response.model',
] as const;

/**
 * OTel GenAI inference spans. Content: v1.37+ attributes, else per-message span events, else the
 * v1.27 content events. v1.28–v1.36 producers (`@opentelemetry/instrumentation-openai`) put
 * content only in log records: recognised by the pre-v1.37 `gen_ai.system` key without
 * `gen_ai.provider.name` and no content on the span.
 */
export const otelGenai: ConventionDefinition = {
  id: 'otel_genai',
  recognise: {
    keys: GEN_AI_KEYS,
    claim(span) {
      const inference = isInference(span);
      if (inference === undefined) return undefined;
      return inference && !isStreamRequestHalf(span) ? 'call' : 'other';
    },
    fallback: (span) => (namesModelOnly(span) ? 'call' : undefined),
  },
  version: 1,
  defaultOperation: 'chat',
  content: [
    messageAttributes,
    messageSpanEvents,
    eventsAttribute,
    v127ContentEvents,
    logfireData,
    promptCompletionAttributes,
  ],
  contentInLogs(span: Span, found: Content): boolean {
    const a = span.attributes;
    const none = !found.input?.length && !found.output?.length && !found.system?.length;
    return none && a['gen_ai.system'] !== undefined && a['gen_ai.provider.name'] === undefined;
  },
};
