import { clipReason } from '../scores/rows.ts';
import { createCompleteFn, type ChatMessage } from './client.ts';
import { judgeCacheKey } from './cache.ts';
import type { JudgeEndpointConfig, JudgesConfig } from './config.ts';
import { createJudgeEndpoint, type JudgeEndpoint } from './endpoint.ts';
import { judge, judgeMessages, rubricVars, type Judgement } from './judgement.ts';
import { judgeMetrics } from './metrics.ts';
import { createJudgePlan, resolveJudgeRule } from './plan.ts';
import { buildRubrics, notApplicable } from './rubrics.ts';
import { memoryRateLimiters } from './rate-limiter.ts';
import { overSpendCap } from './spend.ts';
import type { Dimensions } from '../../core/selector.ts';
import type {
  JudgeDeps,
  JudgeInput,
  JudgeOutcome,
  JudgeRunner,
  JudgeScore,
  RenderedJudge,
  RubricIdentity,
} from './types.ts';
import type { CalibrationInput, CalibrationTarget } from './calibration/types.ts';

/** Raised at start when a judge endpoint's API key variable is not set. */
export class JudgeSetupError extends Error {
  override name = 'JudgeSetupError';
}

/** A 429 without `Retry-After` defers the job this long. */
const DEFAULT_RATE_LIMIT_DELAY_MS = 5000;
/** A 5xx or connection error (after the request's own retries) defers the job at least this long. */
const DEFAULT_UNAVAILABLE_DELAY_MS = 5000;

function apiKey(cfg: JudgeEndpointConfig, index: number, env: NodeJS.ProcessEnv): string {
  const key = env[cfg.api_key_env];
  if (!key)
    throw new JudgeSetupError(
      `judges.endpoints.${index}.api_key_env: environment variable ${cfg.api_key_env} is not set ` +
        `(it holds the API key of judge endpoint "${cfg.name}")`,
    );
  return key;
}

/** Maps a judgement that got no verdict to the outcome the worker acts on. */
function unscored(evaluator: string, j: Exclude<Judgement, { kind: 'verdict' }>): JudgeOutcome {
  switch (j.kind) {
    case 'malformed':
      return { kind: 'failed', evaluator, reason: 'malformed_output' };
    case 'refused':
      return { kind: 'failed', evaluator, reason: 'refused' };
    case 'error': {
      const e = j.error;
      if (e.circuitOpen)
        return { kind: 'deferred', evaluator, reason: 'circuit_open', retryAfterMs: e.circuitRetryMs };
      if (e.failure === 'rate_limited')
        return {
          kind: 'deferred',
          evaluator,
          reason: 'rate_limited',
          retryAfterMs: e.retryAfterMs ?? DEFAULT_RATE_LIMIT_DELAY_MS,
        };
      // The endpoint is down or overloaded, not this request wrong: the judgement waits for it.
      // (A timeout stays a failure: it can be this request's size; sustained ones open the breaker.)
      if (e.failure === 'server_error' || e.failure === 'connection_error')
        return {
          kind: 'deferred',
          evaluator,
          reason: 'unavailable',
          retryAfterMs: e.retryAfterMs ?? DEFAULT_UNAVAILABLE_DELAY_MS,
        };
      // Cut off by shutdown: the job comes back to another worker.
      if (e.failure === 'aborted')
        return { kind: 'deferred', evaluator, reason: 'concurrency', retryAfterMs: 1000 };
      return { kind: 'failed', evaluator, reason: e.failure === 'timeout' ? 'timeout' : 'http_error' };
    }
  }
}

function count(outcome: JudgeOutcome): JudgeOutcome {
  if (outcome.kind === 'failed')
    judgeMetrics.failures.inc({ evaluator: outcome.evaluator, reason: outcome.reason });
  if (outcome.kind === 'deferred' || outcome.kind === 'skipped')
    judgeMetrics.shed.inc({ evaluator: outcome.evaluator, reason: outcome.reason });
  return outcome;
}

/**
 * The judge runner: for each requested evaluator, resolve the rubric and the call's rule, render
 * the redacted input, and then — cheapest exit first — the cache, the spend cap, the breaker,
 * the concurrency and rate limits, and finally the request (with one repair round). Whatever was
 * spent is added to the shared ledger, also for judgements that produced no score.
 */
export function createJudgeRunner(
  config: JudgesConfig,
  deps: JudgeDeps,
): JudgeRunner & CalibrationTarget & RenderedJudge {
  const now = deps.now ?? Date.now;
  const env = deps.env ?? process.env;
  const rubrics = buildRubrics(config);
  const endpoints = new Map<string, JudgeEndpoint>();
  config.endpoints.forEach((cfg, i) => {
    const complete = createCompleteFn(cfg, apiKey(cfg, i, env));
    const limiter = (deps.rateLimiters ?? memoryRateLimiters(now))(
      cfg.name,
      cfg.rate_limit_per_minute,
      cfg.concurrency,
    );
    endpoints.set(cfg.name, createJudgeEndpoint(cfg, { complete, now, logger: deps.logger, limiter }));
  });
  const endpointNames = [...endpoints.keys()];
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  function scoreOf(
    rubric: RubricIdentity,
    endpoint: JudgeEndpoint,
    j: Extract<Judgement, { kind: 'verdict' }>,
  ): JudgeScore {
    return {
      evaluator: rubric.evaluator,
      version: rubric.version,
      score: Math.min(1, Math.max(0, j.verdict.score)),
      passed: j.verdict.score >= rubric.pass_threshold,
      reason: clipReason(j.verdict.reasoning),
      judge_model: endpoint.model,
      input_tokens: j.inputTokens,
      output_tokens: j.outputTokens,
      cost_usd: endpoint.costUsd(j.inputTokens, j.outputTokens),
    };
  }

  async function record(endpoint: JudgeEndpoint, j: Judgement): Promise<void> {
    const tokens = j.inputTokens + j.outputTokens;
    if (tokens === 0) return;
    const usd = endpoint.costUsd(j.inputTokens, j.outputTokens);
    judgeMetrics.spend.inc({ endpoint: endpoint.name }, usd);
    await deps.spend.add(endpoint.name, tokens, usd);
  }

  /** Spend cap, gate, request, ledger: a judgement made now, never read from the cache. */
  async function judgeFresh(
    rubric: RubricIdentity,
    endpoint: JudgeEndpoint,
    messages: ChatMessage[],
  ): Promise<JudgeOutcome> {
    const evaluator = rubric.evaluator;
    if (await overSpendCap(deps.spend, endpointNames, config.budget))
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
    await record(endpoint, j);
    if (j.kind !== 'verdict') return unscored(evaluator, j);
    return { kind: 'scored', cached: false, score: scoreOf(rubric, endpoint, j) };
  }

  async function judgeOne(input: JudgeInput, evaluator: string): Promise<JudgeOutcome> {
    const rubric = rubrics.get(evaluator);
    const rule = resolveJudgeRule(config, input);
    const endpoint = rule && endpoints.get(rule.endpoint);
    if (!rubric || !rule || !endpoint) return { kind: 'skipped', evaluator, reason: 'not_applicable' };
    if (closed) return { kind: 'deferred', evaluator, reason: 'concurrency', retryAfterMs: 1000 };
    const vars = rubricVars(input, input.reference ?? rule.reference, deps.redact, config.max_field_chars);
    if (notApplicable(rubric, vars)) return { kind: 'skipped', evaluator, reason: 'not_applicable' };
    const messages = judgeMessages(rubric, vars, endpoint.structuredOutput);
    return cachedOrFresh(rubric, endpoint, messages);
  }

  /** The cache first (a hit costs nothing), else a fresh judgement, cached when it scored. */
  async function cachedOrFresh(
    rubric: RubricIdentity,
    endpoint: JudgeEndpoint,
    messages: ChatMessage[],
  ): Promise<JudgeOutcome> {
    const evaluator = rubric.evaluator;
    const key = judgeCacheKey(rubric.version, endpoint.model, JSON.stringify(messages));
    const hit = await deps.cache.get(key);
    judgeMetrics.cache.inc({ result: hit ? 'hit' : 'miss' });
    if (hit) {
      // Nothing was spent for this row; the threshold is today's, in case the config changed it.
      const score = {
        ...hit,
        evaluator,
        version: rubric.version,
        passed: hit.score >= rubric.pass_threshold,
      };
      return {
        kind: 'scored',
        cached: true,
        score: { ...score, input_tokens: 0, output_tokens: 0, cost_usd: 0 },
      };
    }
    const outcome = await judgeFresh(rubric, endpoint, messages);
    if (outcome.kind === 'scored') await deps.cache.set(key, outcome.score, config.cache_ttl);
    return outcome;
  }

  /** Calibration: one golden item on a named endpoint, bypassing the rules and the cache. */
  async function judgeWith(
    endpointName: string,
    evaluator: string,
    input: CalibrationInput,
  ): Promise<JudgeOutcome> {
    const rubric = rubrics.get(evaluator);
    const endpoint = endpoints.get(endpointName);
    if (!rubric || !endpoint) return { kind: 'skipped', evaluator, reason: 'not_applicable' };
    if (closed) return { kind: 'deferred', evaluator, reason: 'concurrency', retryAfterMs: 1000 };
    const vars = rubricVars(input, input.reference, deps.redact, config.max_field_chars);
    if (notApplicable(rubric, vars)) return { kind: 'skipped', evaluator, reason: 'not_applicable' };
    return judgeFresh(rubric, endpoint, judgeMessages(rubric, vars, endpoint.structuredOutput));
  }

  async function judgeRendered(
    rubric: RubricIdentity,
    dims: Dimensions,
    render: (structuredOutput: boolean) => ChatMessage[],
  ): Promise<JudgeOutcome> {
    const rule = resolveJudgeRule(config, dims);
    const endpoint = rule && endpoints.get(rule.endpoint);
    if (!endpoint) return { kind: 'skipped', evaluator: rubric.evaluator, reason: 'not_applicable' };
    if (closed)
      return { kind: 'deferred', evaluator: rubric.evaluator, reason: 'concurrency', retryAfterMs: 1000 };
    return cachedOrFresh(rubric, endpoint, render(endpoint.structuredOutput));
  }

  return {
    plan: createJudgePlan(config),
    judgeRendered: async (rubric, dims, render) => {
      const judged = judgeRendered(rubric, dims, render);
      inFlight.add(judged);
      try {
        return count(await judged);
      } finally {
        inFlight.delete(judged);
      }
    },
    endpoints: config.endpoints.map((e) => ({ name: e.name, model: e.model })),
    rubrics: [...rubrics.values()].map((r) => ({ id: r.id, evaluator: r.evaluator, version: r.version })),
    judgeWith: async (endpoint, evaluator, input) => count(await judgeWith(endpoint, evaluator, input)),
    run: async (input, evaluators) => {
      const run = Promise.all(evaluators.map(async (e) => count(await judgeOne(input, e))));
      inFlight.add(run);
      try {
        return await run;
      } finally {
        inFlight.delete(run);
      }
    },
    shutdown: async () => {
      closed = true;
      for (const e of endpoints.values()) e.shutdown();
      await Promise.allSettled([...inFlight]);
    },
  };
}
