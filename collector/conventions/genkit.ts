import { field, isRecord, parseJson } from './attrs.ts';
import type { ContentSource, ConventionDefinition } from './convention.ts';
import { joinLines, renderToolCall, type Message } from './messages.ts';

/**
 * Genkit (JS, Go, Python) writes its own span attributes, not a GenAI convention: every action
 * span has `genkit:type` (`action`, `flowStep`, `util`; older flows `flow`), its kind in
 * `genkit:metadata:subtype` (`flow`, `model`, `tool`, `embedder`, …), the action's name in
 * `genkit:name` (for a model, `plugin/model`: `googleai/gemini-2.5-flash`), and the action's
 * request and response as JSON in `genkit:input` / `genkit:output` (a `GenerateRequest`:
 * `{messages, config, tools}`; a `GenerateResponse`: `{message, finishReason, usage}`, older
 * versions `{candidates: [{message, finishReason}]}`). Only model actions are calls: the
 * `generate` util span around one repeats its request and response, and flows, tools and
 * embedders are not calls. Usage, model and request parameters are read through `fields.ts`.
 */

const text = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);

/** One Genkit `Part`: `{text}`, `{media}`, `{toolRequest}`, `{toolResponse}`, `{data}`, `{reasoning}`. */
function genkitPart(p: unknown): string {
  if (typeof p === 'string') return p;
  if (!isRecord(p)) return '';
  if (p['text'] !== undefined) return text(p['text']);
  const req = p['toolRequest'];
  if (isRecord(req)) return renderToolCall(req['name'], req['input']);
  const res = p['toolResponse'];
  if (isRecord(res)) return text(res['output']);
  const media = p['media'];
  if (isRecord(media)) {
    const type = typeof media['contentType'] === 'string' ? media['contentType'] : '';
    return `[${type.split('/')[0] || 'media'}]`;
  }
  if (p['data'] !== undefined) return text(p['data']);
  // `reasoning` is not the answer; `custom` and `metadata` parts are the plugin's own.
  return '';
}

/** Genkit's `model` role is the assistant. */
const ROLES: Record<string, string> = { model: 'assistant' };

function genkitMessage(m: unknown, defaultRole: string): Message {
  const role = field(m, 'role');
  const content = field(m, 'content');
  return {
    role: typeof role === 'string' ? (ROLES[role] ?? role) : defaultRole,
    content: Array.isArray(content) ? joinLines(content.map(genkitPart)) : text(content),
  };
}

/** The answer of a `GenerateResponse`: `message`, else the first of the older `candidates`. */
function answer(out: unknown): { message: unknown; finishReason: unknown } {
  const candidate: unknown = Array.isArray(field(out, 'candidates'))
    ? (field(out, 'candidates') as unknown[])[0]
    : undefined;
  return {
    message: field(out, 'message') ?? field(candidate, 'message'),
    finishReason: field(out, 'finishReason') ?? field(candidate, 'finishReason'),
  };
}

export const genkitContent: ContentSource = (span) => {
  const request = parseJson(span.attributes['genkit:input']);
  const messages = field(request, 'messages');
  const input = Array.isArray(messages)
    ? messages.map((m) => genkitMessage(m, 'user')).filter((m) => m.content !== '')
    : [];
  const { message, finishReason } = answer(parseJson(span.attributes['genkit:output']));
  const reply = message === undefined ? undefined : genkitMessage(message, 'assistant');
  const output = reply && reply.content !== '' ? [reply] : [];
  if (!input.length && !output.length && typeof finishReason !== 'string') return undefined;
  return {
    input,
    output,
    ...(typeof finishReason === 'string' && finishReason ? { finishReason } : {}),
  };
};

export const genkit: ConventionDefinition = {
  id: 'genkit',
  recognise: {
    keys: ['genkit:type', 'genkit:metadata:subtype'],
    claim(span) {
      const a = span.attributes;
      const type = a['genkit:type'];
      const subtype = a['genkit:metadata:subtype'];
      if (type === undefined && subtype === undefined) return undefined;
      // Some Genkit telemetry tests set only the subtype on a model span.
      return subtype === 'model' && (type === 'action' || type === undefined) ? 'call' : 'other';
    },
  },
  version: 1,
  defaultOperation: 'chat',
  content: [genkitContent],
  contentInLogs: () => false,
};
