import type { z } from 'zod';

/** What a cheap check sees of a stored call (`core/llm-call.ts` columns). */
export interface CheckInput {
  /** Messages flattened as `<role>: <content>` blocks joined by a blank line; may be redacted and truncated. */
  prompt: string;
  /** The answer text; may be redacted and end in the storage marker `…[truncated N chars]`. */
  response: string;
  /** Normalised: `stop`, `length`, `tool_call`, `content_filter`, `error`, `other` or ''. */
  finish_reason: string;
  status: 'ok' | 'error';
  service: string;
  provider: string;
  route: string;
  model: string;
  output_tokens: number;
}

/**
 * One check's verdict: `score` in [0, 1] (1 = good), how sure the check is of it, and a short
 * human-readable reason (clipped to `MAX_REASON_CHARS`, 300).
 */
export interface CheckResult {
  score: number;
  passed: boolean;
  /**
   * How sure the check is of `passed`, in [0, 1]: 1 for a rule that cannot be wrong about what it
   * tests (an empty answer is empty), lower for a statistical reading (a learned model's
   * probability, a language detector's margin). Below `evaluators.min_confidence` the verdict is
   * unsure: it is stored as such, escalated to a judge when one is configured, and kept out of
   * failure and pass rates.
   */
  confidence: number;
  reason: string;
}

/** What checks may be given by the worker. */
export interface CheckDeps {
  /** Learned answer-length bounds for a route from its history (chars), or null when too little history. */
  routeLengthStats?: (route: string) => { p01: number; p99: number; n: number } | null;
}

/** A language guess: ISO 639-1/3 code as the identifier names it, and its probability. */
export interface LanguageGuess {
  lang: string;
  probability: number;
}

/** Identifies the language of a text; synchronous once loaded (checks are synchronous). */
export interface LanguageIdentifier {
  /** The most likely languages, best first (at most `top`). */
  identify(text: string, top: number): LanguageGuess[];
}

/** A cheap check: pure, no network, microseconds to milliseconds per answer. */
export interface CheckDefinition<C = unknown> {
  /** lower_snake_case; stored in `assay.llm_scores.evaluator`. */
  id: string;
  /** Stored as `evaluator_version`; bumped whenever the output for the same input can change. */
  version: string;
  description: string;
  /** Strict zod schema of this check's parameters, with defaults. */
  configSchema: z.ZodType<C>;
  /** True when the check cannot run without per-route parameters (json_schema, regex); such checks run only where the config names them. */
  requiresParams: boolean;
  /**
   * The judge rubric (a built-in one, `judge_<id>`) that settles an unsure verdict of this check
   * when a judge endpoint is configured for the call. Absent: unsure verdicts stay unsure.
   */
  escalation?: string;
  /** Builds the evaluate function once per config; returns null from evaluate when the check does not apply to this call (e.g. json_valid on a prose answer) — then no score row is written. */
  create(config: C, deps: CheckDeps): (input: CheckInput) => CheckResult | null;
}
