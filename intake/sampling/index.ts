import type { LlmCall } from '../../core/llm-call.ts';
import { counter } from '../../core/metrics.ts';
import { matches, type Dimensions } from '../../core/selector.ts';
import type { SamplingConfig, SamplingStratum } from './config.ts';
import { JUDGE_SALT, inSample } from '../../core/sample-hash.ts';

export type { SamplingConfig } from './config.ts';

/** Why the sampler decided what it did; also the `decision` label of `assay_sampling_decisions_total`. */
export type SamplingReason =
  'selected' | 'floor' | 'not_selected' | 'shed_rate_cap' | 'shed_backpressure' | 'error_status';

/** The sampler's verdict for one call. */
export interface SamplingDecision {
  /** Queue it for evaluation (→ `llm_calls.sampled = 1`). */
  sampled: boolean;
  /** Inclusion probability actually used (scores get `sample_weight = 1/p`); 1 for calls taken under the floor. */
  probability: number;
  /** Also run judges (the worker's cascade still applies). */
  judge: boolean;
  /** Probability of the judge mark (0 when not sampled). */
  judgeProbability: number;
  reason: SamplingReason;
}

export interface Sampler {
  /** Synchronous and in-memory: runs on the collector's hot path for every call. */
  decide(call: LlmCall): SamplingDecision;
}

export interface SamplerDeps {
  /** Cached queue depth (never a Redis round trip per call). */
  queueDepth: () => number;
  /**
   * Judge probability for a stratum (from the judges' rules). Default: `sampling.judge_rate`.
   * Resolved once per (service, provider, route, model) and cached with the stratum, so it must
   * depend on those dimensions only.
   */
  judgeProbability?: (dims: Dimensions) => number;
  now?: () => number;
}

const decisions = counter({
  name: 'assay_sampling_decisions_total',
  help: 'Sampling decisions for written calls, by decision',
  labelNames: ['decision'],
});
const judgeShed = counter({
  name: 'assay_sampling_judge_shed_total',
  help: 'Sampled calls not marked for judging because the per-minute budget was nearly spent',
});

interface Stratum {
  /** Which rule the stratum came from (`strata[i]` index, or `default`): salts a conversation's draw. */
  rule: string;
  rate: number;
  floor: number;
  /** Judge-mark probability: the stratum's `judge_rate`, else the judges' rule for these dims. */
  judgeRate: number;
}

/**
 * Deterministic, stratified, budgeted sampling of written calls into the evaluation queue.
 *
 * - A call is selected when the hash of its sampling key falls under its stratum's rate, so all
 *   replicas agree: the key is the trace id, so all calls of one trace share the decision, or
 *   for a call with a conversation id, (conversation id, stratum rule), so every turn of a
 *   sampled conversation is evaluated (and judged together) while different rules still draw
 *   independently. Either way each call is selected with its stratum's rate, so `1/p` stays its
 *   exact weight; conversations are then sampled as clusters (unbiased, with more variance).
 * - Floors: while fewer than `floor_per_minute` calls of a (service, provider, route, model)
 *   were taken this minute, the call is taken regardless of the hash, with probability 1.
 *   That keeps weights honest: given arrival order, a call arriving below the floor is taken
 *   with certainty and a later one with probability `rate`, so `1/p` is the exact inverse of
 *   its inclusion probability (Horvitz–Thompson stays unbiased). Floor picks are exempt from
 *   the per-minute cap (a quiet route must not starve behind a busy one); they are bounded by
 *   `floor_per_minute × max_strata`.
 * - Budget: after `judge_cap_share × max_per_minute` takes in a minute calls are no longer marked
 *   for judging (judges are shed first); at `max_per_minute` hash picks are shed.
 * - Backpressure: when the cached queue depth exceeds `max_queue_depth` everything is shed.
 * Every decision is counted by reason.
 */
export function createSampler(cfg: SamplingConfig, deps: SamplerDeps): Sampler {
  const now = deps.now ?? Date.now;
  const judgeProbability = deps.judgeProbability ?? (() => cfg.judge_rate);
  const strataCache = new Map<string, Stratum>();
  let minute = -1;
  let taken = 0;
  const takenByStratum = new Map<string, number>();

  const stratumOf = (key: string, dims: Dimensions): Stratum => {
    let s = strataCache.get(key);
    if (!s) {
      s = resolveStratum(cfg, dims, judgeProbability);
      if (strataCache.size >= cfg.max_strata) strataCache.clear();
      strataCache.set(key, s);
    }
    return s;
  };

  const decide = (call: LlmCall): SamplingDecision => {
    if (call.status === 'error') return count(notTaken('error_status'));
    if (deps.queueDepth() > cfg.max_queue_depth) return count(notTaken('shed_backpressure'));
    const m = Math.floor(now() / 60_000);
    if (m !== minute) {
      minute = m;
      taken = 0;
      takenByStratum.clear();
    }
    const key = `${call.service}\u0000${call.provider}\u0000${call.route}\u0000${call.model}`;
    const stratum = stratumOf(key, call);
    const stratumTaken = takenByStratum.get(key);
    const belowFloor =
      (stratumTaken ?? 0) < stratum.floor &&
      (stratumTaken !== undefined || takenByStratum.size < cfg.max_strata);
    const sampleKey = keyOf(call, stratum);
    const hashed = inSample(sampleKey, stratum.rate);
    if (!belowFloor && !hashed) return count(notTaken('not_selected'));
    if (!belowFloor && taken >= cfg.max_per_minute) return count(notTaken('shed_rate_cap'));
    const probability = belowFloor ? 1 : stratum.rate;
    taken++;
    takenByStratum.set(key, (stratumTaken ?? 0) + 1);
    const jp = stratum.judgeRate;
    let judge = jp > 0 && inSample(sampleKey, jp, JUDGE_SALT);
    if (judge && taken > cfg.max_per_minute * cfg.judge_cap_share) {
      judge = false;
      judgeShed.inc();
    }
    return count({
      sampled: true,
      probability,
      judge,
      judgeProbability: judge ? jp : 0,
      reason: belowFloor ? 'floor' : 'selected',
    });
  };
  return { decide };
}

/** The hash key of a call's draws: (conversation id, rule) when it has a conversation, else its trace id. */
export function keyOf(
  call: Pick<LlmCall, 'trace_id' | 'conversation_id'>,
  stratum: { rule: string },
): string {
  return call.conversation_id
    ? `conversation\u0000${stratum.rule}\u0000${call.conversation_id}`
    : call.trace_id;
}

function notTaken(reason: SamplingReason): SamplingDecision {
  return { sampled: false, probability: 0, judge: false, judgeProbability: 0, reason };
}

// Bound label children: the sampler runs per call, so skip prom-client's label hashing.
const byReason = new Map<SamplingReason, { inc(): void }>();

function count(d: SamplingDecision): SamplingDecision {
  let child = byReason.get(d.reason);
  if (!child) byReason.set(d.reason, (child = decisions.labels({ decision: d.reason })));
  child.inc();
  return d;
}

function resolveStratum(
  cfg: SamplingConfig,
  dims: Dimensions,
  judgeProbability: (dims: Dimensions) => number,
): Stratum {
  const index = cfg.strata.findIndex((s) => matches(s.match, dims));
  const rule: SamplingStratum | undefined = cfg.strata[index];
  return {
    rule: index < 0 ? 'default' : String(index),
    rate: rule?.rate ?? cfg.rate,
    floor: rule?.floor_per_minute ?? cfg.floor_per_minute,
    judgeRate: rule?.judge_rate ?? judgeProbability(dims),
  };
}
