import { z } from 'zod';
import { durationSchema } from '../../core/duration.ts';
import { CONVERSATION_RUBRIC_IDS } from '../judges/conversation-rubrics.ts';

/**
 * `worker.conversations`: conversation-level judging. One worker at a time (a Redis lock) looks in
 * `llm_calls` for conversations (a `conversation_id` within a service) whose last call is older
 * than `idle_timeout` and that have no `conversation_scores` row yet for the rubric version, and
 * judges each once as a whole. The state is ClickHouse's: a restart loses nothing and judges
 * nothing twice. Runs only when judge endpoints are configured.
 */
export const conversationsConfigSchema = z
  .object({
    /** Judge closed conversations (when judges are configured). Default true. */
    enabled: z.boolean().default(true),
    /** A conversation with no call for this long is closed. Default `5m`. */
    idle_timeout: durationSchema.default(300_000),
    /** Time between looks for closed conversations. Default `30s`. */
    interval: durationSchema.default(30_000),
    /** Conversations whose last call is older than this are no longer looked at (bounds the scan). Default `6h`. */
    lookback: durationSchema.default(21_600_000),
    /** Conversations judged per run at most (the rest wait for the next run). Default 100. */
    max_per_run: z.number().int().min(1).max(10_000).default(100),
    /** Calls of one conversation read into its transcript at most (the latest are kept). Default 200. */
    max_turns: z.number().int().min(1).max(5000).default(200),
    /** Tokens (about 4 characters each) the transcript may take in the judge prompt; the middle is cut. Default 6000. */
    max_transcript_tokens: z.number().int().min(200).default(6000),
    /** Share of closed, sampled conversations that are judged (a hash of service and conversation id). Default 1. */
    sample_rate: z.number().min(0).max(1).default(1),
    /** Rubrics each conversation is judged with. Default all four: goal_reached, user_frustration, self_contradiction, gave_up. */
    rubrics: z
      .array(z.enum(CONVERSATION_RUBRIC_IDS))
      .min(1)
      .default([...CONVERSATION_RUBRIC_IDS]),
  })
  .strict();

export type ConversationsConfig = z.output<typeof conversationsConfigSchema>;
