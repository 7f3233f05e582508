import { field, isRecord, parseJson } from './attrs.ts';
import type { ContentSource, ConventionDefinition } from './convention.ts';
import { fromChatMessages, joinLines, renderToolCall, type Message } from './messages.ts';
import { messageAttributes } from './otel-genai.ts';

/**
 * Provider-call spans of the Vercel AI SDK legacy `ai.*` telemetry (v3–v6, v7
 * `LegacyOpenTelemetry`). The outer `ai.generateText`/`ai.streamText`/… spans repeat the same
 * usage and are not calls; v7 GenAI spans are OTel GenAI.
 */
export const VERCEL_CALL_OPERATIONS: ReadonlySet<string> = new Set([
  'ai.generateText.doGenerate',
  'ai.streamText.doStream',
  'ai.generateObject.doGenerate',
  'ai.streamObject.doStream',
]);

/** Outer `ai.prompt` (`{system, prompt, messages}`): only read when the inner messages are missing. */
function fromPromptObject(value: unknown): { system?: Message[]; input?: Message[] } | undefined {
  const v = parseJson(value);
  if (typeof v === 'string') return { input: [{ role: 'user', content: v }] };
  if (!isRecord(v)) return undefined;
  const system =
    typeof v['system'] === 'string' && v['system'] ? [{ role: 'system', content: v['system'] }] : [];
  const input = fromChatMessages(v['messages'], 'user') ?? [];
  if (typeof v['prompt'] === 'string' && v['prompt']) input.push({ role: 'user', content: v['prompt'] });
  return { system, input };
}

/** `ai.response.toolCalls` (v3: `ai.result.toolCalls`): `[{toolName, args (v4) | input (v5+)}]`. */
function toolCalls(value: unknown): string[] {
  const v = parseJson(value);
  if (!Array.isArray(v)) return [];
  return v.map((c) => renderToolCall(field(c, 'toolName'), parseJson(field(c, 'args') ?? field(c, 'input'))));
}

export const vercelContent: ContentSource = (span) => {
  const a = span.attributes;
  const messages = fromChatMessages(a['ai.prompt.messages'], 'user');
  const prompt = messages?.length ? { input: messages } : fromPromptObject(a['ai.prompt']);
  const textOut = a['ai.response.text'] ?? a['ai.result.text'];
  const object = a['ai.response.object'] ?? a['ai.result.object'];
  const answer = joinLines([
    typeof textOut === 'string' ? textOut : '',
    ...toolCalls(a['ai.response.toolCalls'] ?? a['ai.result.toolCalls']),
    typeof object === 'string' ? object : object === undefined ? '' : JSON.stringify(object),
  ]);
  const output = answer ? [{ role: 'assistant', content: answer }] : undefined;
  if (!prompt && !output) return undefined;
  return { ...prompt, output };
};

/**
 * Vercel AI SDK legacy telemetry. Its inner spans also carry `gen_ai.system` and
 * `gen_ai.request.model`, so the operation id decides before any GenAI key is looked at.
 */
export const vercelAi: ConventionDefinition = {
  id: 'vercel_ai',
  recognise: {
    keys: ['ai.operationId'],
    claim(span) {
      const op = span.attributes['ai.operationId'];
      if (op === undefined) return undefined;
      return typeof op === 'string' && VERCEL_CALL_OPERATIONS.has(op) ? 'call' : 'other';
    },
  },
  version: 1,
  defaultOperation: 'chat',
  content: [vercelContent, messageAttributes],
  contentInLogs: () => false,
};
