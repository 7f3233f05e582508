import { z } from 'zod';

/**
 * A score from outside Assay, validated and normalised: what `POST /v1/scores` and a
 * `gen_ai.evaluation.result` log record both become before they are stored.
 */
export interface ExternalScore {
  /** 32 lower-case hex characters; '' when the score names its call by `response_id` alone. */
  trace_id: string;
  /** 16 lower-case hex characters; '' = the trace's last call. */
  span_id: string;
  /** The provider's response id (`chatcmpl-…`): how a score without trace context finds its call; else ''. */
  response_id: string;
  evaluator: string;
  evaluator_version: string;
  kind: 'external' | 'feedback';
  /** Who scored: an evaluation service, `user`, the OTel producer's `service.name`. */
  source: string;
  /** In [0, 1]; 1 is good. */
  score: number;
  passed: 0 | 1;
  /** `unsure` when neither `passed`, a score nor a known label says pass or fail: kept out of the rates. */
  outcome: 'pass' | 'fail' | 'unsure';
  label: string;
  /** Redacted and clipped to {@link MAX_EXTERNAL_REASON_CHARS}. */
  reason: string;
}

/** Longest reason or feedback comment kept, in characters. */
export const MAX_EXTERNAL_REASON_CHARS = 1000;

/** Evaluator for feedback that names none. */
export const DEFAULT_FEEDBACK_EVALUATOR = 'user_feedback';

const hexId = (n: number) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${n}}$`), `must be ${n} hex characters`)
    .refine((s) => !/^0+$/.test(s), 'must not be all zeros')
    .transform((s) => s.toLowerCase());

/** Evaluator and source names become series labels and alert-rule keys: a small alphabet. */
const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only');

/** A provider's response id as `llm_calls.response_id` keeps it (printable, at most 256). */
export const responseIdSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/** One item of `POST /v1/scores` `{ "scores": [...] }`. */
export const scoreItemSchema = z
  .object({
    /** The call's trace; or `response_id` alone. */
    trace_id: hexId(32).optional(),
    /** Omitted: the trace's last LLM call. */
    span_id: hexId(16).optional(),
    /** The provider's response id (`gen_ai.response.id`) of the call, when its trace is not known. */
    response_id: responseIdSchema.optional(),
    kind: z.enum(['external', 'feedback']).default('external'),
    /** Required for `external`; feedback defaults to `user_feedback`. */
    evaluator: name.optional(),
    version: z.string().max(64).default(''),
    /** Default `api` (external) or `user` (feedback). */
    source: name.optional(),
    score: z.number().min(0).max(1).optional(),
    label: z.string().min(1).max(100).optional(),
    passed: z.boolean().optional(),
    reason: z.string().max(100_000).optional(),
    /** Feedback: thumbs up / down. */
    thumbs: z.enum(['up', 'down']).optional(),
    /** Feedback: a rating from 1 to `rating_scale`. */
    rating: z.number().int().optional(),
    rating_scale: z.number().int().min(2).max(100).default(5),
    /** Feedback: the user's free text (redacted like prompts). */
    comment: z.string().max(100_000).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (!s.trace_id && !s.response_id) issue('trace_id', 'give trace_id (and span_id), or response_id');
    if (s.span_id && !s.trace_id) issue('span_id', 'needs trace_id');
    if (s.kind === 'external') {
      if (!s.evaluator) issue('evaluator', 'required for kind external');
      for (const k of ['thumbs', 'rating', 'comment'] as const)
        if (s[k] !== undefined) issue(k, 'only for kind feedback');
      if (s.score === undefined && s.label === undefined && s.passed === undefined)
        issue('score', 'give a score, a label or passed');
      return;
    }
    const given = [s.thumbs, s.rating, s.score].filter((v) => v !== undefined).length;
    if (given === 0 && s.label === undefined && s.passed === undefined)
      issue('thumbs', 'feedback needs thumbs, a rating, a score, a label or passed');
    if (given > 1) issue('thumbs', 'give one of thumbs, rating, score');
    if (s.rating !== undefined && (s.rating < 1 || s.rating > s.rating_scale))
      issue('rating', `must be between 1 and ${s.rating_scale}`);
  });

export type ScoreItem = z.output<typeof scoreItemSchema>;

const PASS_LABELS = new Set(['pass', 'passed', 'true', 'yes', 'correct', 'good', 'relevant', 'thumbs_up']);
const FAIL_LABELS = new Set([
  'fail',
  'failed',
  'false',
  'no',
  'incorrect',
  'bad',
  'irrelevant',
  'thumbs_down',
]);

/** The fields shared by both ways in, before pass/fail is decided. */
export interface ScoreFacts {
  trace_id: string;
  span_id: string;
  response_id: string;
  evaluator: string;
  evaluator_version: string;
  kind: ExternalScore['kind'];
  source: string;
  score?: number;
  label?: string;
  passed?: boolean;
  reason?: string;
}

/**
 * Decides pass/fail: `passed` when given, else a score passes at 0.5 or more, else a label
 * read as pass or fail (`pass`, `correct`, `relevant`… / `fail`, `incorrect`…); otherwise the
 * score is `unsure` and stays out of pass rates. A label alone scores 1 (pass) or 0.
 */
export function finishScore(f: ScoreFacts, redact: (text: string) => string): ExternalScore {
  const byLabel = f.label ? labelVerdict(f.label) : undefined;
  const passed = f.passed ?? (f.score !== undefined ? f.score >= 0.5 : byLabel);
  const outcome = passed === undefined ? 'unsure' : passed ? 'pass' : 'fail';
  return {
    trace_id: f.trace_id,
    span_id: f.span_id,
    response_id: f.response_id,
    evaluator: f.evaluator,
    evaluator_version: f.evaluator_version,
    kind: f.kind,
    source: f.source,
    score: f.score ?? (passed ? 1 : 0),
    passed: passed ? 1 : 0,
    outcome,
    label: f.label ?? '',
    reason: f.reason ? clip(redact(f.reason)) : '',
  };
}

function labelVerdict(label: string): boolean | undefined {
  const l = label
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (PASS_LABELS.has(l)) return true;
  if (FAIL_LABELS.has(l)) return false;
  return undefined;
}

/**
 * A validated API item as stored. Feedback: thumbs up scores 1, down 0; a rating r of n scores
 * (r − 1) / (n − 1) and passes at 0.75 or more (4 and 5 of 5) unless `passed` says otherwise.
 */
export function fromApiItem(item: ScoreItem, redact: (text: string) => string): ExternalScore {
  const facts: ScoreFacts = {
    trace_id: item.trace_id ?? '',
    span_id: item.span_id ?? '',
    response_id: item.response_id ?? '',
    evaluator: item.evaluator ?? DEFAULT_FEEDBACK_EVALUATOR,
    evaluator_version: item.version,
    kind: item.kind,
    source: item.source ?? (item.kind === 'feedback' ? 'user' : 'api'),
    score: item.score,
    label: item.label,
    passed: item.passed,
    reason: item.comment ?? item.reason,
  };
  if (item.thumbs) {
    facts.score = item.thumbs === 'up' ? 1 : 0;
    facts.label ??= `thumbs_${item.thumbs}`;
    facts.passed ??= item.thumbs === 'up';
  } else if (item.rating !== undefined) {
    facts.score = (item.rating - 1) / (item.rating_scale - 1);
    facts.label ??= `rating_${item.rating}_of_${item.rating_scale}`;
    facts.passed ??= facts.score >= 0.75;
  }
  return finishScore(facts, redact);
}

/** Clips without splitting a surrogate pair. */
function clip(text: string): string {
  if (text.length <= MAX_EXTERNAL_REASON_CHARS) return text;
  let cut = MAX_EXTERNAL_REASON_CHARS - 1;
  const c = text.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}

/** Makes any producer text a valid source name (`service.name` may hold spaces or slashes). */
export function sourceName(text: string): string {
  const s = text.replace(/[^A-Za-z0-9_.:-]+/g, '_').slice(0, 64);
  return s || 'otel';
}
