import type { ChatMessage } from './client.ts';
import type { JudgeEndpoint, RequestFailureResult } from './endpoint.ts';
import { parseJudgeOutput, repairPrompt, type ParsedVerdict } from './output.ts';
import { promptParts } from './prompt-parts.ts';
import { JUDGE_SYSTEM_PROMPT, PLAIN_JSON_INSTRUCTION } from './rubric-templates.ts';
import { renderRubric, type Rubric, type RubricVars } from './rubrics.ts';

/** What one judgement (a request, and a repair request if needed) produced, with what it cost. */
export type Judgement = { inputTokens: number; outputTokens: number } & (
  | { kind: 'verdict'; verdict: ParsedVerdict }
  | { kind: 'malformed' }
  | { kind: 'refused' }
  | { kind: 'error'; error: RequestFailureResult }
);

const cut = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max)}…[truncated]` : text;

/**
 * The values a rubric is rendered with: the question and context picked from the stored prompt,
 * the answer, the reference; each redacted (the collector's rules, again, because a reference
 * from the config never went through the collector) and cut to `maxChars`.
 */
export function rubricVars(
  input: { prompt: string; response: string },
  reference: string | undefined,
  redact: (text: string) => string,
  maxChars: number,
): RubricVars {
  const parts = promptParts(input.prompt);
  const clean = (text: string): string => cut(redact(text), maxChars);
  return {
    question: clean(parts.question),
    answer: clean(input.response),
    reference: reference === undefined ? undefined : clean(reference),
    context: parts.context ? clean(parts.context) : undefined,
  };
}

/** The messages sent to the judge; their exact text is what the cache key hashes. */
export function judgeMessages(rubric: Rubric, vars: RubricVars, structuredOutput: boolean): ChatMessage[] {
  const system = structuredOutput ? JUDGE_SYSTEM_PROMPT : `${JUDGE_SYSTEM_PROMPT}\n${PLAIN_JSON_INSTRUCTION}`;
  return [
    { role: 'system', content: system },
    { role: 'user', content: renderRubric(rubric, vars) },
  ];
}

/**
 * Asks the judge; a reply that does not parse gets exactly one repair request quoting it and
 * restating the expected shape. A second bad reply is `malformed` — recorded as a judge failure,
 * never as a score. Tokens of both requests are counted: they were paid for.
 */
export async function judge(endpoint: JudgeEndpoint, messages: ChatMessage[]): Promise<Judgement> {
  let inputTokens = 0;
  let outputTokens = 0;
  let convo = messages;
  for (let round = 0; round < 2; round++) {
    const res = await endpoint.request(convo);
    if (!res.ok) return { kind: 'error', error: res, inputTokens, outputTokens };
    inputTokens += res.inputTokens;
    outputTokens += res.outputTokens;
    if (res.refused) return { kind: 'refused', inputTokens, outputTokens };
    const parsed = parseJudgeOutput(res.content);
    if (parsed.ok) return { kind: 'verdict', verdict: parsed.value, inputTokens, outputTokens };
    convo = [
      ...messages,
      { role: 'assistant', content: res.content ?? '' },
      { role: 'user', content: repairPrompt(res.content ?? '', parsed.error) },
    ];
  }
  return { kind: 'malformed', inputTokens, outputTokens };
}
