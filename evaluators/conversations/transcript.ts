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
 * history, so a message block of a prompt (`<role>: <content>`, see `llm_calls.prompt`) is
 * written only when the prompt holds it more often than the transcript already does; each answer
 * is written after the prompt it answered, every time (an assistant repeating itself is what the
 * rubrics look for). A prompt without role markers is one user message.
 */
export function buildTranscript(calls: readonly TranscriptCall[]): string {
  const written = new Map<string, number>();
  const out: string[] = [];
  const write = (key: string, line: string): void => {
    written.set(key, (written.get(key) ?? 0) + 1);
    out.push(line);
  };
  for (const c of calls) {
    const inPrompt = new Map<string, number>();
    const blocks = splitBlocks(c.prompt);
    const messages = blocks.length ? blocks : [{ role: 'user', content: c.prompt.trim() }];
    for (const b of messages) {
      if (!b.content) continue;
      const key = `${b.role}\u0000${b.content}`;
      const n = (inPrompt.get(key) ?? 0) + 1;
      inPrompt.set(key, n);
      if (n > (written.get(key) ?? 0)) write(key, `${b.role}: ${b.content}`);
    }
    const answer = c.response.trim();
    if (answer) write(`assistant\u0000${answer}`, `assistant: ${answer}`);
    else if (c.status === 'error')
      out.push(`assistant: [the call failed${c.error_type ? `: ${c.error_type}` : ''}]`);
    const tools = toolNames(c.tool_calls);
    if (tools.length) out.push(`assistant: [called ${tools.join(', ')}]`);
  }
  return out.join('\n\n');
}
