import { field, isRecord, parseJson } from './attrs.ts';

/** One message with its role and its content rendered as readable text. */
export interface Message {
  role: string;
  content: string;
}

/** Message content found for a call; a field is absent when the source had none. */
export interface Content {
  system?: Message[];
  input?: Message[];
  output?: Message[];
  /** Raw (not yet normalised) finish reason found next to the content. */
  finishReason?: string;
}

const MEDIA_TYPES = new Set([
  'blob',
  'uri',
  'file',
  'image',
  'image_url',
  'input_image',
  'audio',
  'input_audio',
]);

const text = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);

/** `tool_call get_weather({"city":"Paris"})` — arguments as JSON, as the model produced them. */
export function renderToolCall(name: unknown, args: unknown): string {
  const a = args === undefined || args === null ? '' : typeof args === 'string' ? args : JSON.stringify(args);
  return `tool_call ${text(name)}(${a})`;
}

/**
 * One content part as text. Covers OTel GenAI parts (v1.37+: `text`, `reasoning`, `tool_call`,
 * `tool_call_response`, `blob`/`uri`/`file`), OpenAI chat parts (`text`, `image_url`) and
 * Vercel AI SDK parts (`tool-call`, `tool-result`). Reasoning is not the answer: skipped.
 */
export function renderPart(p: unknown): string {
  if (typeof p === 'string') return p;
  if (!isRecord(p)) return '';
  const type = typeof p['type'] === 'string' ? p['type'] : 'text';
  switch (type) {
    case 'input_text':
    case 'output_text':
      return text(p['content'] ?? p['text']);
    case 'text':
      if (p['content'] !== undefined || typeof p['text'] === 'string') return text(p['content'] ?? p['text']);
      break;
    case 'reasoning':
    case 'thinking':
    case 'redacted_thinking':
      return '';
    case 'tool_call':
      return renderToolCall(p['name'], p['arguments']);
    case 'tool-call':
    case 'tool_use':
      return renderToolCall(p['toolName'] ?? p['name'], p['args'] ?? p['input']);
    case 'tool_call_response':
      return text(p['response'] ?? p['result']);
    case 'tool-result':
    case 'tool_result':
      return text(p['result'] ?? p['output'] ?? p['content']);
    case 'function':
      // An OpenAI tool call (`{id, type: 'function', function: {name, arguments}}`) as content.
      return renderToolCall(field(p['function'], 'name'), field(p['function'], 'arguments'));
    case 'server_tool_call':
      return `server_tool_call ${text(p['name'])}`;
  }
  if (MEDIA_TYPES.has(type))
    return `[${text(p['modality'] ?? (type.includes('audio') ? 'audio' : 'image'))}]`;
  if (typeof p['text'] === 'string') return p['text'];
  // Gemini parts: `{function_call: {name, args}}`, `{function_response: {name, response}}`.
  const call = p['function_call'] ?? p['functionCall'];
  if (isRecord(call)) return renderToolCall(call['name'], call['args']);
  const res = p['function_response'] ?? p['functionResponse'];
  if (isRecord(res)) return text(res['response']);
  return type === 'text' ? '' : `[${type}]`;
}

/** A JSON array whose items all look like content parts (typed, or Gemini `{text}` / calls). */
const PART_KEYS = ['type', 'text', 'function_call', 'functionCall', 'function_response', 'functionResponse'];
const isPartList = (v: unknown): v is unknown[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => isRecord(x) && PART_KEYS.some((k) => k in x));

/** Content that is a string, an array of parts, or one part object. */
export function renderContent(content: unknown): string {
  if (typeof content === 'string') {
    // OpenLLMetry stringifies multimodal content arrays into the content attribute.
    const parsed = parseJson(content);
    return isPartList(parsed) ? renderContent(parsed) : content;
  }
  if (Array.isArray(content)) return joinLines(content.map(renderPart));
  if (content === undefined || content === null) return '';
  return renderPart(content);
}

export function joinLines(lines: string[]): string {
  return lines.filter((l) => l !== '').join('\n');
}

/** OpenAI-style `tool_calls: [{ function: { name, arguments } }]`. */
export function renderOpenAiToolCalls(calls: unknown): string[] {
  if (!Array.isArray(calls)) return [];
  return calls.map((c) => {
    const fn = field(c, 'function');
    return renderToolCall(
      field(fn, 'name') ?? field(c, 'name'),
      field(fn, 'arguments') ?? field(c, 'arguments'),
    );
  });
}

/** Drops messages with nothing to show. */
function keep(messages: Message[]): Message[] {
  return messages.filter((m) => m.content !== '');
}

/** `gen_ai.input.messages` / `gen_ai.output.messages` (v1.37+): `[{ role, parts[] }]`. */
export function fromOtelMessages(value: unknown, defaultRole: string): Message[] | undefined {
  const v = parseJson(value);
  if (!Array.isArray(v)) return undefined;
  return keep(
    v.map((m) => ({
      role: typeof field(m, 'role') === 'string' ? (field(m, 'role') as string) : defaultRole,
      content: Array.isArray(field(m, 'parts'))
        ? renderContent(field(m, 'parts'))
        : joinLines([renderContent(field(m, 'content')), ...renderOpenAiToolCalls(field(m, 'tool_calls'))]),
    })),
  );
}

/** `gen_ai.system_instructions`: an array of parts (or, leniently, a string). */
export function fromSystemInstructions(value: unknown): Message[] | undefined {
  const v = parseJson(value);
  if (v === undefined || v === null) return undefined;
  return keep([{ role: 'system', content: renderContent(v) }]);
}

/**
 * OpenAI chat-format messages (`[{ role, content, tool_calls? }]`): the v1.27 `gen_ai.prompt`
 * event attribute, Vercel `ai.prompt.messages`, request JSON in OpenInference `input.value`.
 */
export function fromChatMessages(value: unknown, defaultRole = 'user'): Message[] | undefined {
  const v = parseJson(value);
  if (!Array.isArray(v)) return undefined;
  return keep(
    v.map((m) => {
      const role = field(m, 'role');
      return {
        role: typeof role === 'string' ? role : defaultRole,
        content: joinLines([
          renderContent(field(m, 'content')),
          ...renderOpenAiToolCalls(field(m, 'tool_calls')),
        ]),
      };
    }),
  );
}

/**
 * "system: …\n\nuser: …\n\nassistant: …" — readable text with roles, one message per block,
 * blocks separated by a blank line. This is the stored `llm_calls.prompt` format that the checks
 * and the judges parse back into messages (a role marker counts only at the start of the text or
 * after a blank line, so "user: …" inside a message's own text does not split it).
 */
export function flattenMessages(messages: Message[]): string {
  return messages.map((m) => `${m.role}: ${m.content}`).join('\n\n');
}
