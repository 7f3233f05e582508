import type { Dimensions } from '../../core/selector.ts';
import { clipReason } from '../scores/rows.ts';
import { judgeCacheKey } from '../judges/cache.ts';
import { createCompleteFn } from '../judges/client.ts';
import type { JudgesConfig } from '../judges/config.ts';
import {
  CONVERSATION_RUBRICS,
  conversationMessages,
  type ConversationRubric,
} from '../judges/conversation-rubrics.ts';
import { createJudgeEndpoint, type JudgeEndpoint } from '../judges/endpoint.ts';
import { judge, type Judgement } from '../judges/judgement.ts';
import { judgeMetrics } from '../judges/metrics.ts';
import { resolveJudgeRule } from '../judges/plan.ts';
import { memoryRateLimiters } from '../judges/rate-limiter.ts';
import { overSpendCap } from '../judges/spend.ts';
import { truncateMiddle } from '../judges/transcript-budget.ts';
import type { JudgeDeps, JudgeOutcome, JudgeScore } from '../judges/types.ts';

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

/** A judgement without a verdict, as the closer acts on it (the call runner's mapping, same codes). */
function unscored(evaluator: string, j: Exclude<Judgement, { kind: 'verdict' }>): JudgeOutcome {
  if (j.kind === 'malformed') return { kind: 'failed', evaluator, reason: 'malformed_output' };
  if (j.kind === 'refused') return { kind: 'failed', evaluator, reason: 'refused' };
  const e = j.error;
  if (e.circuitOpen)
    return { kind: 'deferred', evaluator, reason: 'circuit_open', retryAfterMs: e.circuitRetryMs };
  if (e.failure === 'rate_limited')
    return { kind: 'deferred', evaluator, reason: 'rate_limited', retryAfterMs: e.retryAfterMs ?? 5000 };
  if (e.failure === 'server_error' || e.failure === 'connection_error' || e.failure === 'aborted')
    return { kind: 'deferred', evaluator, reason: 'unavailable', retryAfterMs: e.retryAfterMs ?? 5000 };
  return { kind: 'failed', evaluator, reason: e.failure === 'timeout' ? 'timeout' : 'http_error' };
}

/**
 * The conversation judge: the `judges` endpoints (their own breaker and concurrency slots in this
 * process; the Redis rate limiter, the spend ledger with its hourly cap and the cache are the ones
 * the call judges share), the first matching `judges.rules` rule picks the endpoint. The
 * transcript is redacted with the collector's rules and cut from the middle before it is sent.
 */
export function createConversationJudge(config: JudgesConfig, deps: JudgeDeps): ConversationJudge {
  const now = deps.now ?? Date.now;
  const env = deps.env ?? process.env;
  const endpoints = new Map<string, JudgeEndpoint>();
  for (const cfg of config.endpoints) {
    // A missing key was reported by the call judges' runner at start; such an endpoint is skipped.
    const key = env[cfg.api_key_env];
    if (!key) continue;
    const limiter = (deps.rateLimiters ?? memoryRateLimiters(now))(
      cfg.name,
      cfg.rate_limit_per_minute,
      cfg.concurrency,
    );
    const complete = createCompleteFn(cfg, key);
    endpoints.set(cfg.name, createJudgeEndpoint(cfg, { complete, now, logger: deps.logger, limiter }));
  }
  const names = [...endpoints.keys()];
  let closed = false;

  async function verdict(
    rubric: ConversationRubric,
    endpoint: JudgeEndpoint,
    text: string,
  ): Promise<JudgeOutcome> {
    const evaluator = rubric.evaluator;
    const messages = conversationMessages(rubric, text, endpoint.structuredOutput);
    const key = judgeCacheKey(rubric.version, endpoint.model, JSON.stringify(messages));
    const hit = await deps.cache.get(key);
    judgeMetrics.cache.inc({ result: hit ? 'hit' : 'miss' });
    if (hit)
      return {
        kind: 'scored',
        cached: true,
        score: {
          ...hit,
          passed: hit.score >= rubric.pass_threshold,
          input_tokens: 0,
          output_tokens: 0,
          cost_usd: 0,
        },
      };
    if (await overSpendCap(deps.spend, names, config.budget))
      return { kind: 'skipped', evaluator, reason: 'spend_cap' };
    const gate = await endpoint.enter();
    if (!gate.ok)
      return { kind: 'deferred', evaluator, reason: gate.reason, retryAfterMs: gate.retryAfterMs };
    let j: Judgement;
    try {
      j = await judge(endpoint, messages);
    } finally {
      gate.release();
    }
    const tokens = j.inputTokens + j.outputTokens;
    if (tokens > 0) {
      const usd = endpoint.costUsd(j.inputTokens, j.outputTokens);
      judgeMetrics.spend.inc({ endpoint: endpoint.name }, usd);
      await deps.spend.add(endpoint.name, tokens, usd);
    }
    if (j.kind !== 'verdict') return unscored(evaluator, j);
    const score: JudgeScore = {
      evaluator,
      version: rubric.version,
      score: Math.min(1, Math.max(0, j.verdict.score)),
      passed: j.verdict.score >= rubric.pass_threshold,
      reason: clipReason(j.verdict.reasoning),
      judge_model: endpoint.model,
      input_tokens: j.inputTokens,
      output_tokens: j.outputTokens,
      cost_usd: endpoint.costUsd(j.inputTokens, j.outputTokens),
    };
    await deps.cache.set(key, score, config.cache_ttl);
    return { kind: 'scored', cached: false, score };
  }

  async function one(input: TranscriptInput, id: string, text: string): Promise<JudgeOutcome> {
    const rubric = CONVERSATION_RUBRICS.get(id);
    const evaluator = rubric?.evaluator ?? `conversation_${id}`;
    const rule = resolveJudgeRule(config, input);
    const endpoint = rule && endpoints.get(rule.endpoint);
    if (!rubric || !endpoint || !text.trim()) return { kind: 'skipped', evaluator, reason: 'not_applicable' };
    if (closed) return { kind: 'deferred', evaluator, reason: 'concurrency', retryAfterMs: 1000 };
    const outcome = await verdict(rubric, endpoint, text);
    if (outcome.kind === 'failed')
      judgeMetrics.failures.inc({ evaluator: outcome.evaluator, reason: outcome.reason });
    if (outcome.kind === 'deferred' || outcome.kind === 'skipped')
      judgeMetrics.shed.inc({ evaluator: outcome.evaluator, reason: outcome.reason });
    return outcome;
  }

  return {
    judgeTranscript: async (input, rubrics) => {
      // Redacted (the collector's rules, again) before it is cut, so the budget holds for what is sent.
      const { text, cutTokens } = truncateMiddle(deps.redact(input.transcript), input.maxTokens);
      const outcomes = await Promise.all(rubrics.map((id) => one(input, id, text)));
      return { outcomes, cutTokens };
    },
    shutdown: () => {
      closed = true;
      for (const e of endpoints.values()) e.shutdown();
    },
  };
}
