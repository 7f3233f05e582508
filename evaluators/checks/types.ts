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
  /** The call's trace (32 hex). Default '' in tests that do not need it. */
  trace_id?: string;
  /** The call's span (16 hex). */
  span_id?: string;
  /** Conversation / session / thread id, '' when none. */
  conversation_id?: string;
  /** Agent that made the call, '' when none. */
  agent_name?: string;
  /** The answer's tool calls: `[{name, arguments?}]` as JSON (`llm_calls.tool_calls`), '' when none. */
  tool_calls?: string;
  /** The tools offered: `[{name, description?, parameters?}]` as JSON (`llm_calls.tool_definitions`), '' when none. */
  tool_definitions?: string;
  /** `filtered` (a content-filter stop) or a guardrail's recorded result (lower case), '' when none. */
  content_filter?: string;
  /**
   * The other calls of the call's trace and conversation, as stored when the job ran: loaded by
   * the worker only for checks that declare `needsRelated` (see `RelatedCalls`).
   */
  related?: RelatedCalls;
}

/** One stored call related to the evaluated one (same trace or same conversation). */
export interface RelatedCall {
  span_id: string;
  trace_id: string;
  /** ms since the epoch. */
  timestamp: number;
  /** As `CheckInput.tool_calls`. */
  tool_calls: string;
}

/**
 * What the worker read of the calls around the evaluated one, bounded: every list holds at most
 * the loader's limit, and calls still on their way (the trace is still arriving) are missing, so
 * counts are lower bounds taken when the job ran.
 */
export interface RelatedCalls {
  /** Calls of the same trace stored so far (the evaluated one included). */
  trace: RelatedCall[];
  /** Calls of the same conversation in the lookback window (included), [] without a conversation id. */
  conversation: RelatedCall[];
  /** A list hit the loader's limit. */
  truncated: boolean;
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
  /**
   * What the verdict is about when it is narrower than the call (the tool named by
   * `tool_call_valid`); stored in `llm_scores.tool`. Default ''.
   */
  tool?: string;
}

/**
 * A check that does not apply to this call and says why (a tool schema that cannot be compiled):
 * no score row is written, like `null`, but the worker counts it by `code` in
 * `assay_checks_not_applicable_total` so an operator sees that a route's checks cannot run.
 */
export interface NotApplicable {
  applicable: false;
  /** Short fixed label (metric label): lower_snake_case. */
  code: string;
  /** `not applicable: …`, naming what could not be used. */
  reason: string;
}

/** What a check's evaluate returns: a verdict, a reasoned not-applicable, or null (silently not applicable). */
export type CheckOutcome = CheckResult | NotApplicable | null;

/** Narrows an outcome to a verdict. */
export function isVerdict(outcome: CheckOutcome): outcome is CheckResult {
  return outcome !== null && !('applicable' in outcome);
}

/** What checks may be given by the worker. */
export interface CheckDeps {
  /** Learned answer-length bounds for a route from its history (chars), or null when too little history. */
  routeLengthStats?: (route: string) => { p01: number; p99: number; n: number } | null;
  /** Learned LLM calls per trace for a route from its history, or null when too little history. */
  routeTraceStats?: (route: string) => { p99: number; n: number } | null;
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
  /** The check reads `CheckInput.related`: the worker loads the trace's and conversation's other calls for it. */
  needsRelated?: boolean;
  /** Builds the evaluate function once per config; returns null from evaluate when the check does not apply to this call (e.g. json_valid on a prose answer) — then no score row is written. */
  create(config: C, deps: CheckDeps): (input: CheckInput) => CheckOutcome;
}
