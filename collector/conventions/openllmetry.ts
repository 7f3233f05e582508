import type { AttrValue } from '../span.ts';
import { indexed, parseJson } from './attrs.ts';
import type { ContentSource, ConventionDefinition } from './convention.ts';
import { joinLines, renderContent, renderToolCall, type Message } from './messages.ts';
import { messageAttributes, messageSpanEvents, v127ContentEvents } from './otel-genai.ts';

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

/**
 * OpenLLMetry (Traceloop). Current instrumentations (2026, @traceloop 0.27) emit OTel GenAI
 * v1.37 message attributes; older ones and several still-legacy ones the flattened format.
 */
export const openllmetry: ConventionDefinition = {
  id: 'openllmetry',
  version: 1,
  defaultOperation: 'chat',
  content: [messageAttributes, flattenedMessages, messageSpanEvents, v127ContentEvents],
  contentInLogs: () => false,
};
