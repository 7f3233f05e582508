import { z } from 'zod';
import { durationSchema } from '../../core/duration.ts';
import { selectorSchema } from '../../core/selector.ts';
import { BUILT_IN_RUBRIC_IDS } from './rubric-templates.ts';

const probability = z.number().min(0).max(1);
const rubricId = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a rubric id is lower_snake_case');

/** Prices of the judge model, USD per million tokens, for `llm_scores.cost_usd` and the spend cap. */
export const judgePriceSchema = z
  .object({
    /** USD per million prompt tokens. */
    input_per_mtok: z.number().min(0),
    /** USD per million completion tokens. */
    output_per_mtok: z.number().min(0),
  })
  .strict();

/** One OpenAI-compatible chat completions endpoint a judge runs on. */
export const judgeEndpointSchema = z
  .object({
    /** Name that rules refer to; also the `endpoint` label of the judge metrics. Default `default`. */
    name: z.string().min(1).default('default'),
    /** Base URL of the OpenAI-compatible API (the part before `/chat/completions`). Default `https://api.openai.com/v1`. */
    base_url: z.string().url().default('https://api.openai.com/v1'),
    /** Judge model; stored as `llm_scores.judge_model` and part of the cache key. Default `gpt-4o-mini`. */
    model: z.string().min(1).default('gpt-4o-mini'),
    /** Environment variable holding the API key (never the key itself). Missing at start → error naming it. Default `OPENAI_API_KEY`. */
    api_key_env: z.string().min(1).default('OPENAI_API_KEY'),
    /** Requests in flight to this endpoint at most. Default 4. */
    concurrency: z.number().int().min(1).default(4),
    /** Requests started per minute at most (a token bucket with a burst of `concurrency`). Default 60. */
    rate_limit_per_minute: z.number().gt(0).default(60),
    /** Longest a run waits for a free slot or a rate-limit token before the job is deferred instead. Default `2s`. */
    max_wait: durationSchema.default(2000),
    /** Timeout of one request. Default `20s`. */
    timeout: durationSchema.default(20_000),
    /** Retries of one request on 429, 5xx, timeouts and connection errors, honouring `Retry-After`. Default 2. */
    max_retries: z.number().int().min(0).max(10).default(2),
    /** A `Retry-After` longer than this is not slept on: the job is deferred for that long instead. Default `10s`. */
    max_retry_wait: durationSchema.default(10_000),
    /**
     * Ask for `response_format: json_schema` (structured outputs). Turn off for endpoints that
     * reject it; the judge is then told to answer with plain JSON. Default true.
     */
    structured_output: z.boolean().default(true),
    /** Model prices for `cost_usd` and the USD cap. Absent → cost 0 and a warning at start. */
    price: judgePriceSchema.optional(),
    /** Circuit breaker: pauses judging (jobs are delayed, not lost) while the endpoint keeps failing. */
    breaker: z
      .object({
        /** Consecutive failed requests (429, 5xx, timeouts, connection errors, 401/403/404) that open it. Default 5. */
        failure_threshold: z.number().int().min(1).default(5),
        /** How long it stays open before one probe request is let through (half-open). Default `30s`. */
        open_for: durationSchema.default(30_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** A custom rubric: a versioned prompt template with `{{question}} {{answer}} {{reference}} {{context}}`. */
export const customRubricSchema = z
  .object({
    /** Rubric id (lower_snake_case); scores are stored as evaluator `judge_<id>`. */
    id: rubricId,
    /** Version you bump when the meaning changes; the stored version also carries a hash of `prompt`. Default `1`. */
    version: z.string().min(1).default('1'),
    /**
     * The criterion as a template. Without `{{answer}}` the question and answer are appended. A
     * template using `{{reference}}` or `{{context}}` is not applicable to calls without one.
     */
    prompt: z.string().min(1),
    /** Scores at or above this pass. Default 0.7. */
    pass_threshold: probability.default(0.7),
  })
  .strict();

/** Which judges run on which calls. Rules are tried in order; the first matching rule applies. */
export const judgeRuleSchema = z
  .object({
    /** Which calls the rule covers (globs on service, provider, route, model). Absent → all calls. */
    match: selectorSchema.optional(),
    /** Endpoint name. Default: the first endpoint. */
    endpoint: z.string().optional(),
    /** Rubric ids (built-in or custom) to judge matching calls with. Default: `default_rubrics`. */
    rubrics: z.array(rubricId).min(1).optional(),
    /** Probability a matching call is marked for judging (used by the sampler). Default: `sampling.judge_rate`. */
    probability: probability.optional(),
    /** Reference answer for `correctness` (and `{{reference}}` in custom rubrics) on matching calls. */
    reference: z.string().optional(),
  })
  .strict();

/** Hourly spend cap over all judge endpoints; either limit may be absent. */
export const judgeBudgetSchema = z
  .object({
    /** USD per clock hour at most. Absent → no USD cap. */
    max_usd_per_hour: z.number().min(0).optional(),
    /** Tokens (prompt + completion) per clock hour at most. Absent → no token cap. */
    max_tokens_per_hour: z.number().int().min(0).optional(),
  })
  .strict();

/** One golden set: a JSON-lines file of judged examples with the verdict the rubric should reach. */
export const goldenSetSchema = z
  .object({
    /** Rubric the set calibrates (built-in or custom). */
    rubric: rubricId,
    /** Path of the file: one `{"id", "question", "answer", "reference"?, "context"?, "expected": "pass" | "fail"}` per line. */
    file: z.string().min(1),
    /** Name stored with the results (`judge_calibration.golden_set`). Default: the file name without `.jsonl`. */
    name: z.string().min(1).optional(),
  })
  .strict();

/**
 * Judges that are checked: every judge model is re-run on golden sets at worker start when the
 * judge config changed, and every `interval`; agreement is stored in `judge_calibration` and a
 * drop pages as `judge_drift`.
 */
export const calibrationSchema = z
  .object({
    /** Run calibration (only when judge endpoints are configured). Default true. */
    enabled: z.boolean().default(true),
    /** How often the golden sets are judged again. At least `1s`. Default `24h`. */
    interval: durationSchema.default(86_400_000).refine((ms) => ms >= 1000, 'at least 1s'),
    /** Use the sets shipped in `evaluators/judges/golden/` for rubrics without a configured one. Default true. */
    shipped_sets: z.boolean().default(true),
    /** Your own golden sets (one per rubric); they replace a shipped set of the same rubric. Default []. */
    golden_sets: z.array(goldenSetSchema).default([]),
    /** Live calls with both a verdict of the judge and end-user feedback read for the feedback kappa: this far back. Default `7d`. */
    feedback_window: durationSchema.default(7 * 86_400_000),
    /** Longest a run waits, in total, for an endpoint that defers (rate limit, breaker) before it gives up. Default `10m`. */
    max_wait: durationSchema.default(600_000),
  })
  .strict();

/**
 * The `judges` section: LLM-as-judge over OpenAI-compatible endpoints, with its cost control.
 * No `endpoints` → judges are off and only cheap checks run. Owned by `evaluators/judges/`.
 */
export const judgesConfigSchema = z
  .object({
    /** Judge endpoints. Default [] (judges off). */
    endpoints: z.array(judgeEndpointSchema).default([]),
    /** The spend cap; when this hour's spend reaches it, judge work is skipped and counted. Default: no cap. */
    budget: judgeBudgetSchema.prefault({}),
    /** How long a judge score is reused for the same (rubric version, model, redacted input). Default `24h`. */
    cache_ttl: durationSchema.default(86_400_000),
    /** Longest text of one field (question, answer, reference, context) sent to a judge; the rest is cut. Default 8000. */
    max_field_chars: z.number().int().min(100).default(8000),
    /** Rubrics for calls no rule matches (and rules without `rubrics`). Default relevance, correctness, groundedness. */
    default_rubrics: z.array(rubricId).min(1).default(['relevance', 'correctness', 'groundedness']),
    /** Custom rubrics in addition to the built-ins (relevance, correctness, groundedness, helpfulness). Default []. */
    rubrics: z.array(customRubricSchema).default([]),
    /** Rules, first match wins. Default [] (every call: `default_rubrics` on the first endpoint). */
    rules: z.array(judgeRuleSchema).default([]),
    /** Calibration of the judges on golden sets. */
    calibration: calibrationSchema.prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const endpoints = new Set<string>();
    cfg.endpoints.forEach((e, i) => {
      if (endpoints.has(e.name))
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints', i, 'name'],
          message: `duplicate endpoint "${e.name}"`,
        });
      endpoints.add(e.name);
    });
    const rubrics = new Set<string>(BUILT_IN_RUBRIC_IDS);
    cfg.rubrics.forEach((r, i) => {
      if (rubrics.has(r.id))
        ctx.addIssue({
          code: 'custom',
          path: ['rubrics', i, 'id'],
          message: `rubric "${r.id}" already exists`,
        });
      rubrics.add(r.id);
    });
    const unknownRubrics = (ids: readonly string[], path: (string | number)[]): void =>
      ids.forEach((id, j) => {
        if (!rubrics.has(id))
          ctx.addIssue({ code: 'custom', path: [...path, j], message: `unknown rubric "${id}"` });
      });
    unknownRubrics(cfg.default_rubrics, ['default_rubrics']);
    const golden = new Set<string>();
    cfg.calibration.golden_sets.forEach((g, i) => {
      const path = ['calibration', 'golden_sets', i, 'rubric'];
      if (!rubrics.has(g.rubric))
        ctx.addIssue({ code: 'custom', path, message: `unknown rubric "${g.rubric}"` });
      if (golden.has(g.rubric))
        ctx.addIssue({ code: 'custom', path, message: `a second golden set for "${g.rubric}"` });
      golden.add(g.rubric);
    });
    cfg.rules.forEach((rule, i) => {
      if (rule.endpoint !== undefined && !endpoints.has(rule.endpoint))
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'endpoint'],
          message: `unknown endpoint "${rule.endpoint}"`,
        });
      unknownRubrics(rule.rubrics ?? [], ['rules', i, 'rubrics']);
    });
  });

export type JudgesConfig = z.output<typeof judgesConfigSchema>;
export type JudgesConfigInput = z.input<typeof judgesConfigSchema>;
export type JudgeEndpointConfig = z.output<typeof judgeEndpointSchema>;
export type CustomRubricConfig = z.output<typeof customRubricSchema>;
export type JudgeRuleConfig = z.output<typeof judgeRuleSchema>;
export type CalibrationConfig = z.output<typeof calibrationSchema>;
export type GoldenSetConfig = z.output<typeof goldenSetSchema>;
