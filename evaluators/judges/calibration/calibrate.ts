import { randomUUID } from 'node:crypto';
import { sleep } from '../../../core/retry.ts';
import type { JudgeOutcome } from '../types.ts';
import { agreementOf, type Agreement } from './agreement.ts';
import { goldenPrompt, type GoldenItem, type GoldenSet } from './golden.ts';
import type { CalibrationTarget } from './types.ts';

/** Why a calibration run is happening; stored as `judge_calibration.trigger`. */
export type CalibrationTrigger = 'config_change' | 'schedule';

/** One `judge_calibration` row: one judge model on one rubric's golden set. */
export interface CalibrationRow {
  run_at: number;
  run_id: string;
  trigger: CalibrationTrigger;
  config_hash: string;
  endpoint: string;
  judge_model: string;
  rubric: string;
  evaluator: string;
  rubric_version: string;
  golden_set: string;
  golden_hash: string;
  /** Items in the set. */
  items: number;
  /** Items that got a verdict (the agreement is over these). */
  n: number;
  /** Items the judge failed on (malformed output, refusal, HTTP error, not applicable). */
  failed: number;
  raw_agreement: number | null;
  kappa: number | null;
  feedback_n: number;
  feedback_raw_agreement: number | null;
  feedback_kappa: number | null;
  /** Pairwise rubrics only; no rubric compares two answers yet, so always null. */
  position_bias: number | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/** How one (endpoint, rubric) pair ended: stored, or stopped and why (nothing stored then). */
export type PairOutcome = 'stored' | 'spend_cap' | 'unavailable';

export interface CalibrationDeps {
  judge: CalibrationTarget;
  /** The judge's agreement with end-user feedback on live calls, for (model, evaluator, version). */
  feedback?: (judgeModel: string, evaluator: string, version: string) => Promise<Agreement>;
  now: () => number;
  /** Longest total wait for deferred judgements of one pair before it gives up. */
  maxWaitMs: number;
  signal?: AbortSignal;
}

export interface CalibrationResult {
  rows: CalibrationRow[];
  outcomes: Array<{ endpoint: string; rubric: string; outcome: PairOutcome }>;
}

const ITEM_CONCURRENCY = 4;
const MAX_DEFER_SLEEP_MS = 30_000;

type ItemResult = { passed: boolean; input: number; output: number; usd: number } | 'failed' | PairOutcome;

/** One golden item, waiting out deferrals (rate limit, breaker) within the pair's wait budget. */
async function judgeItem(
  deps: CalibrationDeps,
  endpoint: string,
  evaluator: string,
  item: GoldenItem,
  budget: { waitedMs: number },
): Promise<ItemResult> {
  const input = { prompt: goldenPrompt(item), response: item.answer, reference: item.reference };
  for (;;) {
    if (deps.signal?.aborted) return 'unavailable';
    const o: JudgeOutcome = await deps.judge.judgeWith(endpoint, evaluator, input);
    switch (o.kind) {
      case 'scored':
        return {
          passed: o.score.passed,
          input: o.score.input_tokens,
          output: o.score.output_tokens,
          usd: o.score.cost_usd,
        };
      case 'failed':
        return 'failed';
      case 'skipped':
        return o.reason === 'spend_cap' ? 'spend_cap' : 'failed';
      case 'deferred': {
        const wait = Math.min(Math.max(o.retryAfterMs, 100), MAX_DEFER_SLEEP_MS);
        if (budget.waitedMs + wait > deps.maxWaitMs) return 'unavailable';
        budget.waitedMs += wait;
        await sleep(wait, deps.signal);
      }
    }
  }
}

/** Judges every item of `set` on `endpoint`; undefined row when the pair had to stop. */
async function calibratePair(
  deps: CalibrationDeps,
  endpoint: { name: string; model: string },
  rubric: { id: string; evaluator: string; version: string },
  set: GoldenSet,
  base: Pick<CalibrationRow, 'run_at' | 'run_id' | 'trigger' | 'config_hash'>,
): Promise<{ outcome: PairOutcome; row?: CalibrationRow }> {
  const budget = { waitedMs: 0 };
  const results: ItemResult[] = [];
  let stop: PairOutcome | undefined;
  for (let i = 0; i < set.items.length && !stop; i += ITEM_CONCURRENCY) {
    const chunk = set.items.slice(i, i + ITEM_CONCURRENCY);
    const out = await Promise.all(
      chunk.map((item) => judgeItem(deps, endpoint.name, rubric.evaluator, item, budget)),
    );
    results.push(...out);
    stop = out.find((r): r is 'spend_cap' | 'unavailable' => r === 'spend_cap' || r === 'unavailable');
  }
  if (stop) return { outcome: stop };
  const pairs: Array<[boolean, boolean]> = [];
  let failed = 0;
  let inTok = 0;
  let outTok = 0;
  let usd = 0;
  results.forEach((r, i) => {
    if (typeof r === 'string') {
      failed++;
      return;
    }
    pairs.push([r.passed, set.items[i]?.expected === 'pass']);
    inTok += r.input;
    outTok += r.output;
    usd += r.usd;
  });
  const golden = agreementOf(pairs);
  const fb = deps.feedback
    ? await deps.feedback(endpoint.model, rubric.evaluator, rubric.version)
    : { n: 0, raw: NaN, kappa: null };
  return {
    outcome: 'stored',
    row: {
      ...base,
      endpoint: endpoint.name,
      judge_model: endpoint.model,
      rubric: rubric.id,
      evaluator: rubric.evaluator,
      rubric_version: rubric.version,
      golden_set: set.name,
      golden_hash: set.hash,
      items: set.items.length,
      n: golden.n,
      failed,
      raw_agreement: golden.n > 0 ? golden.raw : null,
      kappa: golden.kappa,
      feedback_n: fb.n,
      feedback_raw_agreement: fb.n > 0 ? fb.raw : null,
      feedback_kappa: fb.kappa,
      position_bias: null,
      input_tokens: inTok,
      output_tokens: outTok,
      cost_usd: usd,
    },
  };
}

/**
 * One calibration run: every judge endpoint on every golden set whose rubric exists, one pair
 * at a time (a run is a background chore; live judging keeps the endpoint's concurrency).
 */
export async function runCalibration(
  sets: readonly GoldenSet[],
  deps: CalibrationDeps,
  meta: { trigger: CalibrationTrigger; configHash: string },
): Promise<CalibrationResult> {
  const base = {
    run_at: deps.now(),
    run_id: randomUUID(),
    trigger: meta.trigger,
    config_hash: meta.configHash,
  };
  const rubrics = new Map(deps.judge.rubrics.map((r) => [r.id, r]));
  const result: CalibrationResult = { rows: [], outcomes: [] };
  for (const endpoint of deps.judge.endpoints)
    for (const set of sets) {
      const rubric = rubrics.get(set.rubric);
      if (!rubric || deps.signal?.aborted) continue;
      const { outcome, row } = await calibratePair(deps, endpoint, rubric, set, base);
      result.outcomes.push({ endpoint: endpoint.name, rubric: rubric.id, outcome });
      if (row) result.rows.push(row);
    }
  return result;
}
