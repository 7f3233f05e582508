/**
 * Runs every default check on the labeled items and scores each check against the label it
 * targets: precision, recall and F1 on its positives, false flags on the negatives, and for the
 * checks that escalate, how many judge calls the cascade needs.
 */
import { createHash } from 'node:crypto';
import { normaliseFinishReason } from '../../collector/conventions/finish-reasons.ts';
import { evaluatorsConfigSchema } from '../../evaluators/checks/config.ts';
import {
  createCheckPlan,
  isVerdict,
  type CheckInput,
  type CheckResult,
} from '../../evaluators/checks/index.ts';
import { promptOf, type Item, type Labels } from './dataset.ts';

/** The label each check is scored against: which items are its positives and which its negatives. */
export const TARGETS: Readonly<Record<string, (l: Labels) => boolean | undefined>> = {
  // Partial refusals are scored apart (the refusal check has them as their own outcome).
  refusal: (l) => (l.refusal === undefined || l.refusal === 'partial' ? undefined : l.refusal === 'full'),
  language_match: (l) => l.language_mismatch,
  truncated: (l) => l.truncated,
  provider_error_text: (l) => l.provider_error,
  repetition: (l) => l.loop,
  pii_leak: (l) => (l.pii === undefined ? undefined : l.pii === 'person'),
  tool_call_valid: (l) => l.tool_call_invalid,
  template_leak: (l) => l.template_leak,
};

/**
 * A good answer: every label the source gives says nothing is wrong (a partial refusal is not
 * "good"), and the provider did not stop it at the token limit.
 */
export function isGood(l: Labels, finishReason?: string): boolean {
  return (
    !(finishReason && normaliseFinishReason(finishReason) === 'length') &&
    (l.refusal === undefined || l.refusal === 'none') &&
    l.language_mismatch !== true &&
    l.truncated !== true &&
    l.provider_error !== true &&
    l.loop !== true &&
    l.pii !== 'person' &&
    l.tool_call_invalid !== true &&
    l.tool_call_wrong !== true &&
    l.template_leak !== true
  );
}

/**
 * Datasets whose answers were written to order rather than taken from use: openai-rbr-gold's
 * were generated deliberately evasive, off-topic or flawed so that every proposition of its
 * rubric occurs (see its SOURCE.md). Reported in every pool, and once more left out of one.
 */
export const SYNTHETIC_ANSWERS: ReadonlySet<string> = new Set(['openai-rbr-gold']);

/**
 * Datasets whose refusal label is binary (refused at all, or not): a partial refusal the check
 * reports counts as found there. See each SOURCE.md.
 */
export const BINARY_REFUSAL = new Set(['polyrefuse_multilingual_refusal']);

export type Verdict = 'fail' | 'unsure' | 'pass' | 'n/a';

export interface ScoredItem {
  item: Item;
  verdicts: Map<string, { verdict: Verdict; result: CheckResult | null }>;
}

const plan = createCheckPlan(evaluatorsConfigSchema.parse({}), {});

export function inputOf(item: Item): CheckInput {
  return {
    prompt: promptOf(item),
    response: item.response,
    // As the collector stores it: `max_tokens` (Anthropic), `MAX_TOKENS` (Gemini) → `length`.
    finish_reason: item.finish_reason === undefined ? 'stop' : normaliseFinishReason(item.finish_reason),
    status: 'ok',
    service: 'bench',
    provider: 'bench',
    route: '/bench',
    model: item.model,
    output_tokens: Math.ceil(item.response.length / 4),
    tool_calls: item.tool_calls ?? '',
    tool_definitions: item.tool_definitions ?? '',
  };
}

/** How the bench reads a check's result: sure or unsure (at the default `min_confidence`), or not applicable. */
export function verdictOf(result: CheckResult | null): Verdict {
  if (!result) return 'n/a';
  if (result.confidence < plan.minConfidence) return 'unsure';
  return result.passed ? 'pass' : 'fail';
}

/** Every default check on one item. */
export function scoreItem(item: Item): ScoredItem {
  const input = inputOf(item);
  const verdicts = new Map<string, { verdict: Verdict; result: CheckResult | null }>();
  for (const check of plan.checksFor(input)) {
    const outcome = check.evaluate(input);
    const result = isVerdict(outcome) ? outcome : null;
    verdicts.set(check.id, { verdict: verdictOf(result), result });
  }
  return { item, verdicts };
}

export interface Metrics {
  positives: number;
  negatives: number;
  tp: number;
  fp: number;
  fn: number;
  unsure: number;
  precision: number;
  recall: number;
  f1: number;
  falseFlagRate: number;
}

function metrics(
  tp: number,
  fp: number,
  fn: number,
  negatives: number,
  positives: number,
  unsure: number,
): Metrics {
  const precision = tp + fp ? tp / (tp + fp) : NaN;
  const recall = positives ? tp / positives : NaN;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : NaN;
  return {
    positives,
    negatives,
    tp,
    fp,
    fn,
    unsure,
    precision,
    recall,
    f1,
    falseFlagRate: negatives ? fp / negatives : NaN,
  };
}

/** A judge that agrees with the human label with probability `accuracy` (deterministic per item). */
function judge(item: Item, truth: boolean, accuracy: number): boolean {
  if (accuracy >= 1) return truth;
  const h =
    createHash('sha256').update(`judge\0${item.dataset}\0${item.id}`).digest().readUInt32BE(0) / 2 ** 32;
  return h < accuracy ? truth : !truth;
}

function partialFound(s: ScoredItem, check: string, reason: string | undefined): boolean {
  return (
    check === 'refusal' && BINARY_REFUSAL.has(s.item.dataset) && (reason ?? '').startsWith('partial refusal')
  );
}

/** Scores one check on the items that carry its label. Unsure verdicts count as "not flagged". */
export function checkMetrics(scored: readonly ScoredItem[], check: string): Metrics | null {
  const target = TARGETS[check];
  if (!target) return null;
  let tp = 0,
    fp = 0,
    fn = 0,
    pos = 0,
    neg = 0,
    unsure = 0;
  for (const s of scored) {
    const truth = target(s.item.labels);
    if (truth === undefined) continue;
    const entry = s.verdicts.get(check);
    const v = entry?.verdict ?? 'n/a';
    if (v === 'unsure') unsure++;
    const flagged = v === 'fail' || (v === 'pass' && partialFound(s, check, entry?.result?.reason));
    if (truth) {
      pos++;
      if (flagged) tp++;
      else fn++;
    } else {
      neg++;
      if (flagged) fp++;
    }
  }
  if (pos + neg === 0) return null;
  return metrics(tp, fp, fn, neg, pos, unsure);
}

export interface CascadeFigures {
  calls: number;
  judgeCalls: number;
  /** F1 when unsure verdicts are settled by the judge. */
  cascadeF1: number;
  /** F1 when the judge decides every call. */
  judgeAllF1: number;
}

/** The cascade against judging everything, for a judge of the given accuracy. */
export function cascadeFigures(
  scored: readonly ScoredItem[],
  check: string,
  accuracy: number,
): CascadeFigures | null {
  const target = TARGETS[check];
  if (!target) return null;
  const c = { tp: 0, fp: 0, fn: 0 };
  const a = { tp: 0, fp: 0, fn: 0 };
  let calls = 0;
  let judgeCalls = 0;
  let pos = 0;
  const add = (m: typeof c, flagged: boolean, truth: boolean) => {
    if (flagged && truth) m.tp++;
    else if (flagged) m.fp++;
    else if (truth) m.fn++;
  };
  for (const s of scored) {
    const truth = target(s.item.labels);
    if (truth === undefined) continue;
    calls++;
    if (truth) pos++;
    const entry = s.verdicts.get(check);
    const v = entry?.verdict ?? 'n/a';
    const judged = judge(s.item, truth, accuracy);
    if (v === 'unsure') judgeCalls++;
    const flagged = v === 'fail' || (v === 'pass' && partialFound(s, check, entry?.result?.reason));
    add(c, v === 'unsure' ? judged : flagged, truth);
    add(a, judged, truth);
  }
  if (calls === 0) return null;
  const f1 = (m: typeof c) => metrics(m.tp, m.fp, m.fn, 0, pos, 0).f1;
  return { calls, judgeCalls, cascadeF1: f1(c), judgeAllF1: f1(a) };
}
