import type { Attributes } from '../span.ts';
import { field, isRecord, parseJson } from './attrs.ts';
import { firstReason } from './fields.ts';
import { contentFromMessageAttributes } from './message-attributes.ts';
import { joinLines, renderContent, renderOpenAiToolCalls, type Content, type Message } from './messages.ts';

/** Per-message event name (v1.28–v1.36) → where its message goes and its default role. */
const MESSAGE_EVENTS: Record<string, { to: 'system' | 'input'; role: string }> = {
  'gen_ai.system.message': { to: 'system', role: 'system' },
  'gen_ai.user.message': { to: 'input', role: 'user' },
  'gen_ai.assistant.message': { to: 'input', role: 'assistant' },
  'gen_ai.tool.message': { to: 'input', role: 'tool' },
};

const DETAILS_EVENT = 'gen_ai.client.inference.operation.details';

/** Log-record bodies are structured (kvlist); span events carry the same fields as attributes. */
function bodyFields(body: unknown, attrs: Attributes): Record<string, unknown> {
  const b = parseJson(body);
  return isRecord(b) ? b : attrs;
}

function messageText(m: Record<string, unknown> | undefined, toolCalls: unknown): string {
  return joinLines([
    renderContent(parseJson(m?.['content'])),
    ...renderOpenAiToolCalls(parseJson(toolCalls)),
  ]);
}

/**
 * Content of one GenAI event, from a log record (content in the body) or a span event (content
 * in attributes): the v1.28–v1.36 per-message events, `gen_ai.choice`, and the v1.37 opt-in
 * `gen_ai.client.inference.operation.details` event. Null for any other event name.
 */
export function contentFromEvent(name: string, body: unknown, attrs: Attributes): Content | null {
  const kind = MESSAGE_EVENTS[name];
  if (kind) {
    const b = bodyFields(body, attrs);
    const role = typeof b['role'] === 'string' && b['role'] ? b['role'] : kind.role;
    const content = messageText(b, b['tool_calls']);
    const messages: Message[] = content ? [{ role, content }] : [];
    return { [kind.to]: messages };
  }
  if (name === 'gen_ai.choice') {
    const b = bodyFields(body, attrs);
    const msg = parseJson(b['message']);
    const m = isRecord(msg) ? msg : undefined;
    const role = typeof m?.['role'] === 'string' && m['role'] ? m['role'] : 'assistant';
    // Strands Agents puts the answer itself in `message`: its content blocks as JSON
    // (`[{"text": …}]`) on a chat span, plain text on an agent span.
    const content = m
      ? messageText(m, m['tool_calls'] ?? b['tool_calls'])
      : joinLines([renderContent(msg), ...renderOpenAiToolCalls(parseJson(b['tool_calls']))]);
    const reason = field(b, 'finish_reason');
    return {
      output: content ? [{ role, content }] : [],
      finishReason: typeof reason === 'string' && reason ? reason : undefined,
    };
  }
  if (name === DETAILS_EVENT) {
    const b = parseJson(body);
    const source = isRecord(b) && !contentFromMessageAttributes(attrs) ? (b as Attributes) : attrs;
    const c = contentFromMessageAttributes(source) ?? {};
    const reason = firstReason(source['gen_ai.response.finish_reasons']);
    return { ...c, finishReason: reason ?? c.finishReason };
  }
  return null;
}
