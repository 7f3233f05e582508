import { CONVERSATION_RUBRICS, conversationMessages } from '../judges/conversation-rubrics.ts';
import { truncateMiddle } from '../judges/transcript-budget.ts';
import type { JudgeOutcome, RenderedJudge } from '../judges/types.ts';
import type { Dimensions } from '../../core/selector.ts';

/** A closed conversation to judge as a whole. */
export interface TranscriptInput extends Dimensions {
  /** The turns in time order, as `<role>: <content>` blocks; redacted and cut here. */
  transcript: string;
  /** Tokens (approximate) the transcript may take in the judge prompt; its middle is cut beyond. */
  maxTokens: number;
}

/** Judges closed conversations with the conversation rubrics, on the judges' endpoints and rules. */
export interface ConversationJudge {
  /** One outcome per rubric id, same order (evaluators `conversation_<id>`); `cutTokens` left out of the middle. */
  judgeTranscript(
    input: TranscriptInput,
    rubrics: readonly string[],
  ): Promise<{ outcomes: JudgeOutcome[]; cutTokens: number }>;
  /** Aborts requests in flight; later judgements are deferred. Idempotent. */
  shutdown(): void;
}

/**
 * The conversation judge: the conversation rubrics judged by the call judges' runner, so the same
 * endpoints (one breaker and one set of concurrency slots per endpoint in the process), rules,
 * cache, spend cap and ledger apply. The transcript is redacted with the collector's rules and cut
 * from the middle before it is sent.
 */
export function createConversationJudge(
  runner: RenderedJudge,
  deps: { redact: (text: string) => string },
): ConversationJudge {
  let closed = false;

  async function one(input: TranscriptInput, id: string, text: string): Promise<JudgeOutcome> {
    const rubric = CONVERSATION_RUBRICS.get(id);
    const evaluator = rubric?.evaluator ?? `conversation_${id}`;
    if (!rubric || !text.trim()) return { kind: 'skipped', evaluator, reason: 'not_applicable' };
    if (closed) return { kind: 'deferred', evaluator, reason: 'concurrency', retryAfterMs: 1000 };
    return runner.judgeRendered(rubric, input, (structured) =>
      conversationMessages(rubric, text, structured),
    );
  }

  return {
    judgeTranscript: async (input, rubrics) => {
      // Redacted (the collector's rules, again) before it is cut, so the budget holds for what is sent.
      const { text, cutTokens } = truncateMiddle(deps.redact(input.transcript), input.maxTokens);
      const outcomes = await Promise.all(rubrics.map((id) => one(input, id, text)));
      return { outcomes, cutTokens };
    },
    shutdown: () => {
      // The endpoints are the runner's: it aborts what is in flight when the worker stops.
      closed = true;
    },
  };
}
