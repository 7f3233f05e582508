import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flattenMessages } from '../../collector/conventions/messages.ts';
import { estimateCallTokens } from '../../collector/normalise/token-estimate.ts';

/** One real OpenAI call with the usage the API reported (bench/tokens/SOURCE.md). */
export interface UsageItem {
  model: string;
  messages: Array<{ role: string; content: string }> | null;
  answer: string;
  prompt_tokens: number;
  completion_tokens: number;
  reasoning: number;
}

/** bench/tokens/openai-usage.jsonl, read once: the test of the estimate and bench:tokens share it. */
export const USAGE_ITEMS: readonly UsageItem[] = readFileSync(
  join(import.meta.dirname, '..', '..', 'bench', 'tokens', 'openai-usage.jsonl'),
  'utf8',
)
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as UsageItem);

/** Answers whose billed output is all visible text (no hidden reasoning tokens). */
export const usageAnswers = (): UsageItem[] =>
  USAGE_ITEMS.filter((i) => i.completion_tokens > 0 && i.reasoning === 0 && i.answer !== '');

/** [estimated, billed] output tokens of each answer, with the model's own encoding. */
export const answerTokenPairs = (): Array<[number, number]> =>
  usageAnswers().map((i) => [
    estimateCallTokens({
      model: i.model,
      prompt: '',
      promptFullLength: 0,
      messages: 0,
      response: i.answer,
      responseFullLength: i.answer.length,
    }).output,
    i.completion_tokens,
  ]);

/** [estimated, billed] input tokens of each prompt: the stored `role: content` text plus chat overhead. */
export const promptTokenPairs = (): Array<[number, number]> =>
  USAGE_ITEMS.filter((i) => i.messages && i.prompt_tokens > 0).map((i) => {
    const p = flattenMessages(i.messages ?? []);
    const est = estimateCallTokens({
      model: i.model,
      prompt: p,
      promptFullLength: p.length,
      messages: i.messages?.length ?? 0,
      response: '',
      responseFullLength: 0,
    });
    return [est.input, i.prompt_tokens];
  });
