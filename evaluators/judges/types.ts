import type { Logger } from '../../core/logger.ts';
import type { Dimensions } from '../../core/selector.ts';
import type { ChatMessage } from './client.ts';
import type { RateLimiterFactory } from './rate-limiter.ts';

/** One call to judge, as the worker read it from `assay.llm_calls`. */
export interface JudgeInput extends Dimensions {
  trace_id: string;
  span_id: string;
  /** Flattened prompt as stored: `<role>: <content>` blocks joined by a blank line (roles system, user, assistant, tool, developer). Already redacted by the collector. */
  prompt: string;
  response: string;
  /** Reference answer when the caller has one; else the matching rule's `reference`, if any. */
  reference?: string;
}

/** A judge's score of one call, as stored in `assay.llm_scores`. */
export interface JudgeScore {
  /** `judge_<rubric id>`, e.g. `judge_relevance` — `llm_scores.evaluator`. */
  evaluator: string;
  /** Rubric version plus a hash of its template — `llm_scores.evaluator_version`. */
  version: string;
  /** In [0, 1]. */
  score: number;
  /** score ≥ the rubric's `pass_threshold`. */
  passed: boolean;
  /** The judge's short reasoning (≤ 300 chars). */
  reason: string;
  judge_model: string;
  /** Tokens and USD this score cost (0 when served from the cache: nothing was spent for it). */
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/**
 * What one judge did with one call. `failed` is a judge failure: counted, never a score.
 * `deferred`: the job should be delayed by `retryAfterMs` and retried, not lost. `skipped`: shed
 * by the spend cap, or the rubric does not apply (no reference, no context) — counted.
 */
export type JudgeOutcome =
  | { kind: 'scored'; score: JudgeScore; cached: boolean }
  | { kind: 'failed'; evaluator: string; reason: 'malformed_output' | 'refused' | 'http_error' | 'timeout' }
  | {
      kind: 'deferred';
      evaluator: string;
      retryAfterMs: number;
      reason: 'circuit_open' | 'rate_limited' | 'unavailable' | 'concurrency';
    }
  | { kind: 'skipped'; evaluator: string; reason: 'spend_cap' | 'not_applicable' };

/** Which judges apply to a call's dimensions, from the `judges.rules`. */
export interface JudgePlan {
  /** `probability` is the per-rubric draw the worker's cascade makes on top of the sampler's judge mark. */
  judgesFor(dims: Dimensions): ReadonlyArray<{ evaluator: string; rubric: string; probability: number }>;
  /** A judge endpoint applies to calls of these dimensions, so unsure checks can be escalated to it. */
  canJudge(dims: Dimensions): boolean;
}

/** What a judgement needs of a rubric besides its prompt: the stored name, version and pass mark. */
export interface RubricIdentity {
  evaluator: string;
  version: string;
  pass_threshold: number;
}

export interface JudgeRunner {
  plan: JudgePlan;
  /** Runs the named evaluators (`judge_<rubric>`) on one call; one outcome per evaluator, same order. */
  run(input: JudgeInput, evaluators: readonly string[]): Promise<JudgeOutcome[]>;
  /** Aborts requests in flight and refuses new runs (they are deferred). Idempotent. */
  shutdown(): Promise<void>;
}

/** The runner's judgement of a prompt built outside its rubrics (conversation judging). */
export interface RenderedJudge {
  /**
   * Judges a prompt rendered elsewhere (a whole conversation) on the endpoint `judges.rules` picks
   * for `dims`, through the same cache, spend cap, breaker, limits and ledger as `run`.
   * `render` gets whether the endpoint takes a JSON schema for its answer.
   */
  judgeRendered(
    rubric: RubricIdentity,
    dims: Dimensions,
    render: (structuredOutput: boolean) => ChatMessage[],
  ): Promise<JudgeOutcome>;
}

/** Judge spend this clock hour, shared by all workers. */
export interface SpendLedger {
  spentThisHour(judge: string): Promise<{ tokens: number; usd: number }>;
  add(judge: string, tokens: number, usd: number): Promise<void>;
}

/** Judge scores by cache key, so the same input is never judged (and paid for) twice. */
export interface JudgeCache {
  get(key: string): Promise<JudgeScore | undefined>;
  set(key: string, value: JudgeScore, ttlMs: number): Promise<void>;
}

export interface JudgeDeps {
  logger: Logger;
  /** Spend shared by all workers (Redis in production, in-memory in tests). */
  spend: SpendLedger;
  /** Redis with TTL in production, in-memory in tests. */
  cache: JudgeCache;
  /** Applied to everything sent to a judge (the collector's redactor). */
  redact: (text: string) => string;
  /**
   * Each endpoint's rate limiter: Redis in production, so `rate_limit_per_minute` holds over all
   * workers together. Default: a token bucket in this process.
   */
  rateLimiters?: RateLimiterFactory;
  /** Where `api_key_env` is read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}
