/** The parts of a stored prompt a rubric is rendered with. */
export interface PromptParts {
  /** The last user message: what the answer should respond to ('' when there is none). */
  question: string;
  /** Retrieved context: tool results, system/developer messages and `context` sections ('' when none). */
  context: string;
}

/**
 * A stored prompt is `<role>: <content>` blocks joined by a blank line (see `llm_calls.prompt`).
 * A role marker only counts at the start of the text or after a blank line, so a message whose
 * text contains "user: …" mid-paragraph is not split.
 */
const BLOCK = /(?:^|\n\n)(system|user|assistant|tool|developer): /g;

/** `<context>…</context>` (or `<documents>`), as RAG prompts often wrap retrieved passages. */
const TAGGED = /<(context|documents)>([\s\S]*?)<\/\1>/gi;
/** A `Context:` heading (optionally markdown) followed by text up to a question heading or the end. */
const HEADED =
  /(?:^|\n)[ \t]*(?:#{1,6}[ \t]*)?context[ \t]*:?[ \t]*\n([\s\S]*?)(?=\n[ \t]*(?:#{1,6}[ \t]*)?(?:question|query)\b|$)/i;

interface Block {
  role: string;
  content: string;
}

export function splitBlocks(prompt: string): Block[] {
  const marks = [...prompt.matchAll(BLOCK)];
  return marks.map((m, i) => {
    const start = (m.index ?? 0) + m[0].length;
    const end = marks[i + 1]?.index ?? prompt.length;
    return { role: m[1] ?? '', content: prompt.slice(start, end).trim() };
  });
}

function contextSections(text: string): string[] {
  const tagged = [...text.matchAll(TAGGED)].map((m) => (m[2] ?? '').trim());
  if (tagged.length > 0) return tagged;
  const headed = HEADED.exec(text)?.[1]?.trim();
  return headed ? [headed] : [];
}

/** Picks the question and the retrieved context out of a flattened prompt. */
export function promptParts(prompt: string): PromptParts {
  const blocks = splitBlocks(prompt);
  // A prompt without role markers (some instrumentations store only the text) is the question.
  if (blocks.length === 0) return { question: prompt.trim(), context: contextSections(prompt).join('\n\n') };
  const users = blocks.filter((b) => b.role === 'user');
  const question = users.at(-1)?.content ?? '';
  const context: string[] = [];
  for (const b of blocks) {
    if (b.role === 'tool' || b.role === 'system' || b.role === 'developer') context.push(b.content);
    else if (b.role === 'user') context.push(...contextSections(b.content));
  }
  return { question, context: context.filter((c) => c.length > 0).join('\n\n') };
}
