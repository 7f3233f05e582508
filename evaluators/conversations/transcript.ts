import { splitBlocks } from '../judges/prompt-parts.ts';

/** What the transcript needs of one stored call of the conversation. */
export interface TranscriptCall {
  prompt: string;
  response: string;
  status: string;
  error_type: string;
  /** JSON array of `{name, arguments}` ('' when none). */
  tool_calls: string;
}

function toolNames(json: string): string[] {
  if (!json) return [];
  try {
    const list: unknown = JSON.parse(json);
    if (!Array.isArray(list)) return [];
    return list
      .map((t: unknown) => (t && typeof t === 'object' ? (t as { name?: unknown }).name : undefined))
      .filter((n): n is string => typeof n === 'string');
  } catch {
    return [];
  }
}

/**
 * The conversation as one text, turns in time order. A call's prompt usually resends the whole
 * history, so each message block (`<role>: <content>`, see `llm_calls.prompt`) is written the
 * first time it is seen only; each answer follows the prompt it answered. A prompt without role
 * markers is one user message.
 */
export function buildTranscript(calls: readonly TranscriptCall[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (role: string, content: string): void => {
    const text = content.trim();
    if (!text) return;
    const key = `${role}\u0000${text}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(`${role}: ${text}`);
  };
  for (const c of calls) {
    const blocks = splitBlocks(c.prompt);
    if (blocks.length === 0) add('user', c.prompt);
    for (const b of blocks) add(b.role, b.content);
    if (c.response.trim()) add('assistant', c.response);
    else if (c.status === 'error')
      out.push(`assistant: [the call failed${c.error_type ? `: ${c.error_type}` : ''}]`);
    const tools = toolNames(c.tool_calls);
    if (tools.length) out.push(`assistant: [called ${tools.join(', ')}]`);
  }
  return out.join('\n\n');
}
