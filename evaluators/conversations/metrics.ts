import { counter } from '../../core/metrics.ts';

/** Conversation-closer instruments (registered once per process). */
export const conversationMetrics = {
  runs: counter<'outcome'>({
    name: 'assay_conversation_closer_runs_total',
    help: 'Conversation closer runs, by outcome (ok, error, follower)',
    labelNames: ['outcome'],
  }),
  scored: counter<'evaluator' | 'outcome'>({
    name: 'assay_conversation_scores_total',
    help: 'Conversation score rows written, by evaluator and outcome (pass, fail, error, not_applicable)',
    labelNames: ['evaluator', 'outcome'],
  }),
  later: counter({
    name: 'assay_conversations_deferred_total',
    help: 'Closed conversations left for a later run (judge spend cap reached, endpoint rate-limited or unavailable)',
  }),
  truncated: counter({
    name: 'assay_conversation_transcripts_truncated_total',
    help: 'Transcripts cut from the middle to worker.conversations.max_transcript_tokens before judging',
  }),
};
