import type { RuleConfig } from '../config.ts';
import type { SeriesLabels, SeriesSnapshot } from '../types.ts';
import { evaluateTick } from '../rules/engine.ts';
import { windowsFor } from './series.ts';
import type { AlertState } from '../state/state.ts';

/** Simulated bucket width: fine enough for 30 s ticks to see partial minutes, as the rollups do. */
export const BUCKET_MS = 10_000;

/** One simulated series: Poisson traffic, each call failing with `failRate(t)`. */
export interface SimSeriesSpec {
  labels: SeriesLabels;
  /** Calls per second. */
  rate: number;
  /** Failure probability at time t (ms since the simulation start). */
  failRate: (t: number) => number;
}

/** Deterministic PRNG (mulberry32) so runs are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function poisson(lambda: number, rand: () => number): number {
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gauss(rand)));
  const l = Math.exp(-lambda);
  let k = 0;
  for (let p = rand(); p > l; p *= rand()) k++;
  return k;
}

function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
}

function binomial(n: number, p: number, rand: () => number): number {
  if (n > 200) return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * gauss(rand))));
  let k = 0;
  for (let i = 0; i < n; i++) if (rand() < p) k++;
  return k;
}

/** Pre-generated bucket counts with prefix sums, so any window is two lookups. */
export class SimSeries {
  readonly n: Float64Array;
  readonly k: Float64Array;

  constructor(
    readonly spec: SimSeriesSpec,
    durationMs: number,
    rand: () => number,
  ) {
    const buckets = Math.ceil(durationMs / BUCKET_MS);
    this.n = new Float64Array(buckets + 1);
    this.k = new Float64Array(buckets + 1);
    for (let b = 0; b < buckets; b++) {
      const calls = poisson((spec.rate * BUCKET_MS) / 1000, rand);
      const bad = binomial(calls, spec.failRate(b * BUCKET_MS), rand);
      this.n[b + 1] = (this.n[b] as number) + calls;
      this.k[b + 1] = (this.k[b] as number) + bad;
    }
  }

  /** Counts over [from, to) in ms (clamped to the simulated range). */
  counts(from: number, to: number): { n: number; k: number } {
    const last = this.n.length - 1;
    const a = Math.min(last, Math.max(0, Math.floor(from / BUCKET_MS)));
    const b = Math.min(last, Math.max(0, Math.ceil(to / BUCKET_MS)));
    return {
      n: (this.n[b] as number) - (this.n[a] as number),
      k: (this.k[b] as number) - (this.k[a] as number),
    };
  }
}

export function snapshots(series: readonly SimSeries[], rule: RuleConfig, now: number): SeriesSnapshot[] {
  const w = windowsFor(rule, now);
  return series.map((s) => ({
    labels: s.spec.labels,
    current: { kind: 'proportion', ...s.counts(w.currentStart, now) },
    short: w.shortStart !== undefined ? { kind: 'proportion', ...s.counts(w.shortStart, now) } : undefined,
    baseline: { kind: 'proportion', ...s.counts(w.baselineStart, w.currentStart) },
  }));
}

/** A transition seen while driving the detector and state machine through simulated time. */
export interface SimEvent {
  t: number;
  fingerprint: string;
  labels: Record<string, string>;
  transition: string;
}

/**
 * Drives detection + state machine in virtual time (one tick every `tickMs` in [start, end)),
 * exactly as the alerter does per tick, over in-memory series. Returns every transition.
 */
export function drive(
  series: readonly SimSeries[],
  rules: readonly RuleConfig[],
  opts: { start: number; end: number; tickMs: number; fdr: number },
): SimEvent[] {
  const events: SimEvent[] = [];
  let states = new Map<string, AlertState>();
  for (let t = opts.start; t < opts.end; t += opts.tickMs) {
    const inputs = rules.map((rule) => ({ rule, series: snapshots(series, rule, t) }));
    const out = evaluateTick(inputs, states, opts.fdr, t);
    states = out.states;
    for (const e of out.events)
      events.push({ t, fingerprint: e.state.fingerprint, labels: e.state.labels, transition: e.transition });
  }
  return events;
}
