import type { AttrValue, Span } from '../span.ts';
import { indexed, parseJson } from './attrs.ts';
import type { ContentSource, ConventionDefinition } from './convention.ts';
import { joinLines, renderContent, renderToolCall, type Message } from './messages.ts';
import {
  GEN_AI_KEYS,
  isInference,
  messageAttributes,
  messageSpanEvents,
  namesModelOnly,
  v127ContentEvents,
} from './otel-genai.ts';

/** `tool_calls.K.name` / `.arguments` and `function_call.name` inside one flattened message. */
function toolCallLines(item: Record<string, AttrValue>): string[] {
  const calls = new Map<string, { name?: AttrValue; args?: AttrValue }>();
  for (const key in item) {
    const m = /^tool_calls\.(\d+)\.(name|arguments)$/.exec(key);
    if (!m) continue;
    const call = calls.get(m[1] as string) ?? {};
    if (m[2] === 'name') call.name = item[key];
    else call.args = item[key];
    calls.set(m[1] as string, call);
  }
  const lines = [...calls.entries()]
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, c]) => renderToolCall(c.name, parseJson(c.args)));
  if (item['function_call.name'] !== undefined) {
    lines.push(renderToolCall(item['function_call.name'], parseJson(item['function_call.arguments'])));
  }
  return lines;
}

function flattened(prefix: string, defaultRole: string, attrs: Record<string, AttrValue>): Message[] {
  return indexed(attrs, prefix)
    .map((item) => ({
      role: typeof item['role'] === 'string' ? item['role'] : defaultRole,
      // Cohere's legacy instrumentation writes `.user` instead of `.content`.
      content: joinLines([renderContent(item['content'] ?? item['user']), ...toolCallLines(item)]),
    }))
    .filter((m) => m.content !== '');
}

/**
 * Legacy flattened format: `gen_ai.prompt.<N>.role/content`, `gen_ai.completion.<N>.*`. Only
 * digit indexes are messages; `gen_ai.prompt.name`/`.version`/`.variable.*` are metadata.
 */
export const flattenedMessages: ContentSource = (span) => {
  const a = span.attributes;
  const input = flattened('gen_ai.prompt.', 'user', a);
  const output = flattened('gen_ai.completion.', 'assistant', a);
  return input.length || output.length ? { input, output } : undefined;
};

/** Legacy `llm.request.type` values that are calls (not `embedding`, `rerank`). */
const CALL_REQUEST_TYPES: ReadonlySet<string> = new Set(['chat', 'completion']);

/** Keys only OpenLLMetry sets on an LLM span; checked by direct lookup. */
const MARKERS = [
  'llm.request.type',
  'gen_ai.prompt.0.role',
  'gen_ai.prompt.0.content',
  'gen_ai.completion.0.role',
  'gen_ai.completion.0.content',
  'llm.usage.total_tokens',
  'traceloop.workflow.name',
  'traceloop.entity.name',
  'traceloop.span.kind',
] as const;

/**
 * Whether an OTel-GenAI-looking LLM span was made by OpenLLMetry. Current Traceloop
 * instrumentations emit v1.37 attributes with no marker on the span unless a workflow is
 * active, so their scope name (`@traceloop/instrumentation-openai`) is the surest sign.
 * Only runs for spans already known to be LLM calls, so the final key scan is affordable.
 */
function isOpenLlmetry(span: Span): boolean {
  if (span.scope.name.startsWith('@traceloop/') || span.scope.name.startsWith('traceloop')) return true;
  const a = span.attributes;
  for (const key of MARKERS) if (a[key] !== undefined) return true;
  for (const key in a) if (key.startsWith('traceloop.')) return true;
  return false;
}

/**
 * OpenLLMetry (Traceloop). Current instrumentations (2026, @traceloop 0.27) emit OTel GenAI
 * v1.37 message attributes; older ones and several still-legacy ones the flattened format.
 * Its GenAI spans are told from other producers' by its markers; a span without an operation
 * name is decided by the legacy `llm.request.type`.
 */
export const openllmetry: ConventionDefinition = {
  id: 'openllmetry',
  recognise: {
    keys: [...GEN_AI_KEYS, 'llm.request.type'],
    claim(span) {
      const inference = isInference(span);
      if (inference !== undefined) return inference && isOpenLlmetry(span) ? 'call' : undefined;
      const type = span.attributes['llm.request.type'];
      if (type === undefined) return undefined;
      return typeof type === 'string' && CALL_REQUEST_TYPES.has(type) ? 'call' : 'other';
    },
    fallback: (span) => (namesModelOnly(span) && isOpenLlmetry(span) ? 'call' : undefined),
  },
  version: 1,
  defaultOperation: 'chat',
  content: [messageAttributes, flattenedMessages, messageSpanEvents, v127ContentEvents],
  contentInLogs: () => false,
};
