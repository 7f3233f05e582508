import type { AttrValue } from '../span.ts';
import { field, indexed, isRecord, parseJson, str } from './attrs.ts';
import type { ContentSource, ConventionDefinition } from './convention.ts';
import {
  fromChatMessages,
  joinLines,
  renderContent,
  renderOpenAiToolCalls,
  renderToolCall,
  type Message,
} from './messages.ts';
import { messageAttributes } from './otel-genai.ts';

/** One `message.*` item, with its `contents.M.message_content.*` parts and `tool_calls.K.tool_call.*`. */
function oiMessage(item: Record<string, AttrValue>, defaultRole: string): Message {
  const role = str(item['message.role']) ?? defaultRole;
  const parts = indexed(item, 'message.contents.').map((c) => {
    const type = str(c['message_content.type']) ?? 'text';
    if (type === 'text') return str(c['message_content.text']) ?? '';
    return type === 'reasoning' ? '' : `[${type}]`;
  });
  const calls = indexed(item, 'message.tool_calls.').map((t) =>
    renderToolCall(t['tool_call.function.name'], parseJson(t['tool_call.function.arguments'])),
  );
  return { role, content: joinLines([renderContent(item['message.content']), ...parts, ...calls]) };
}

function oiList(attrs: Record<string, AttrValue>, prefix: string, defaultRole: string): Message[] {
  return indexed(attrs, prefix)
    .map((item) => oiMessage(item, defaultRole))
    .filter((m) => m.content !== '');
}

/** `llm.input_messages.<N>.message.*`, `llm.output_messages.<N>…`; legacy `llm.prompts`/`llm.choices`. */
export const oiMessages: ContentSource = (span) => {
  const a = span.attributes;
  let input = oiList(a, 'llm.input_messages.', 'user');
  let output = oiList(a, 'llm.output_messages.', 'assistant');
  if (!input.length) input = texts(a, 'llm.prompts.', 'prompt.text', 'user');
  // Older OpenInference (LangChain, LlamaIndex completions): `llm.prompts` as a string array.
  const prompts = a['llm.prompts'];
  if (!input.length && Array.isArray(prompts))
    input = prompts
      .filter((p): p is string => typeof p === 'string' && p !== '')
      .map((p) => ({ role: 'user', content: p }));
  if (!output.length) output = texts(a, 'llm.choices.', 'completion.text', 'assistant');
  return input.length || output.length ? { input, output } : undefined;
};

function texts(a: Record<string, AttrValue>, prefix: string, key: string, role: string): Message[] {
  return indexed(a, prefix)
    .map((item) => ({ role, content: str(item[key]) ?? '' }))
    .filter((m) => m.content !== '');
}

/**
 * `input.value` / `output.value`: raw request/response. When JSON, pull chat messages (OpenAI
 * request `messages`, response `choices[].message`, Responses API `output_text`); otherwise
 * the text is the message.
 */
export const ioValues: ContentSource = (span) => {
  const a = span.attributes;
  const input = valueMessages(a['input.value'], 'user');
  const output = valueMessages(a['output.value'], 'assistant');
  return input || output ? { input, output } : undefined;
};

function valueMessages(raw: AttrValue | undefined, role: string): Message[] | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const v = parseJson(raw);
  if (typeof v === 'string') return [{ role, content: v }];
  if (Array.isArray(v)) return fromChatMessages(v, role);
  if (!isRecord(v)) return [{ role, content: String(v) }];
  if (Array.isArray(v['messages'])) return fromChatMessages(v['messages'], role);
  if (Array.isArray(v['choices'])) {
    return v['choices'].map((c) => ({
      role,
      content: joinLines([
        renderContent(field(field(c, 'message'), 'content')),
        renderContent(field(c, 'text')),
        // An answer that is only tool calls has `content: null`.
        ...renderOpenAiToolCalls(field(field(c, 'message'), 'tool_calls')),
      ]),
    }));
  }
  for (const k of ['output_text', 'prompt', 'input', 'text', 'content']) {
    if (typeof v[k] === 'string') return [{ role, content: v[k] }];
  }
  return [{ role, content: JSON.stringify(v) }];
}

/**
 * OpenInference (Arize): LLM spans carry flattened `llm.*` message lists. Every span names its
 * kind; producers that leave it out are recognised by `llm.model_name`, a key only OpenInference
 * uses.
 */
export const openinference: ConventionDefinition = {
  id: 'openinference',
  recognise: {
    keys: ['openinference.span.kind', 'llm.model_name'],
    claim(span) {
      const kind = span.attributes['openinference.span.kind'];
      if (kind === undefined) return undefined;
      return kind === 'LLM' ? 'call' : 'other';
    },
    fallback: (span) => (span.attributes['llm.model_name'] !== undefined ? 'call' : undefined),
  },
  version: 1,
  defaultOperation: 'chat',
  content: [oiMessages, messageAttributes, ioValues],
  contentInLogs: () => false,
};
