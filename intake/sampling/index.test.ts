import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NO_CALL_DETAILS, type LlmCall } from '../../core/llm-call.ts';
import { registry } from '../../core/metrics.ts';
import { samplingConfigSchema, type SamplingConfig } from './config.ts';
import { unitHash } from '../../core/sample-hash.ts';
import { createSampler, type SamplingDecision } from './index.ts';

function call(over: Partial<LlmCall> = {}): LlmCall {
  return {
    timestamp: 0,
    trace_id: randomBytes(16).toString('hex'),
    span_id: randomBytes(8).toString('hex'),
    parent_span_id: '',
    service: 'shop',
    environment: '',
    provider: 'openai',
    model: 'gpt-4o-mini',
    request_model: 'gpt-4o-mini',
    route: '/chat',
    route_source: 'attribute',
    operation: 'chat',
    status: 'ok',
    error_type: '',
    finish_reason: 'stop',
    input_tokens: 10,
    output_tokens: 10,
    cost_usd: null,
    duration_ms: 100,
    prompt: 'user: hi',
    response: 'hello',
    convention: 'otel_genai',
    sampled: 0,
    ...NO_CALL_DETAILS,
    ...over,
  };
}

const cfg = (input: Record<string, unknown>): SamplingConfig => samplingConfigSchema.parse(input);

/** |observed - n p| within 4 binomial standard deviations. */
function expectBinomial(observed: number, n: number, p: number): void {
  const sigma = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(observed - n * p)).toBeLessThanOrEqual(4 * sigma);
}

async function decisionCount(decision: string): Promise<number> {
  const metric = await registry.getSingleMetric('assay_sampling_decisions_total')?.get();
  return metric?.values.find((v) => v.labels['decision'] === decision)?.value ?? 0;
}

describe('sampling config', () => {
  it('defaults: rate 1 under a per-minute cap, judges at 0.02, no strata', () => {
    const c = cfg({});
    expect(c).toMatchObject({
      rate: 1,
      max_per_minute: 6000,
      max_queue_depth: 50_000,
      judge_rate: 0.02,
      strata: [],
    });
  });
  it('rejects a rate outside [0, 1] and unknown keys', () => {
    expect(() => cfg({ rate: 1.5 })).toThrow();
    expect(() => cfg({ strata: [{ match: { route: '/a' }, rate: -0.1 }] })).toThrow();
    expect(() => cfg({ strata: [{ match: { path: '/a' } }] })).toThrow();
    expect(() => cfg({ ratee: 0.5 })).toThrow();
  });
});

describe('unitHash', () => {
  it('is uniform enough: 10 equal bins of 50k sequential-looking ids', () => {
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 50_000; i++) {
      const id = i.toString(16).padStart(32, '0');
      const b = Math.floor(unitHash(id) * 10);
      bins[b] = (bins[b] ?? 0) + 1;
    }
    for (const b of bins) expectBinomial(b, 50_000, 0.1);
  });
  it('differs by salt', () => {
    const id = 'a'.repeat(32);
    expect(unitHash(id, 'x')).not.toBe(unitHash(id, 'y'));
  });
});

describe('createSampler', () => {
  it('observed rate per stratum matches the configured one (20k calls each, 4 sigma)', () => {
    const c = cfg({
      max_per_minute: 1_000_000,
      strata: [
        { match: { route: '/busy' }, rate: 0.05 },
        { match: { provider: 'anthropic' }, rate: 0.3 },
      ],
    });
    const s = createSampler(c, { queueDepth: () => 0, now: () => 0 });
    const n = 20_000;
    const taken = { busy: 0, anthropic: 0, rest: 0 };
    for (let i = 0; i < n; i++) {
      if (s.decide(call({ route: '/busy' })).sampled) taken.busy++;
      if (s.decide(call({ provider: 'anthropic', route: '/x' })).sampled) taken.anthropic++;
      if (s.decide(call({ route: '/other' })).sampled) taken.rest++;
    }
    expectBinomial(taken.busy, n, 0.05);
    expectBinomial(taken.anthropic, n, 0.3);
    expect(taken.rest).toBe(n);
  });

  it('records the probability used so 1/p re-weights to the true count', () => {
    const c = cfg({ rate: 0.2, max_per_minute: 1_000_000 });
    const s = createSampler(c, { queueDepth: () => 0, now: () => 0 });
    let weighted = 0;
    for (let i = 0; i < 20_000; i++) {
      const d = s.decide(call());
      if (d.sampled) weighted += 1 / d.probability;
    }
    // Each weight is 5; the sum estimates 20k within 4 sigma of the binomial count.
    expect(Math.abs(weighted - 20_000)).toBeLessThanOrEqual(5 * 4 * Math.sqrt(20_000 * 0.2 * 0.8));
  });

  it('floors: a quiet stratum gets its first N calls per minute with p = 1, a busy one is thinned', () => {
    const c = cfg({ rate: 0.01, floor_per_minute: 5, max_per_minute: 1_000_000 });
    let t = 0;
    const s = createSampler(c, { queueDepth: () => 0, now: () => t });
    const quiet: SamplingDecision[] = [];
    for (let i = 0; i < 8; i++) quiet.push(s.decide(call({ route: '/quiet' })));
    let busy = 0;
    for (let i = 0; i < 20_000; i++) if (s.decide(call({ route: '/busy' })).sampled) busy++;
    expect(quiet.slice(0, 5).every((d) => d.sampled && d.probability === 1 && d.reason === 'floor')).toBe(
      true,
    );
    expect(
      quiet
        .slice(5)
        .filter((d) => d.sampled)
        .every((d) => d.probability === 0.01),
    ).toBe(true);
    expectBinomial(busy - 5, 20_000 - 5, 0.01);
    // A new minute restores the floor.
    t = 60_000;
    expect(s.decide(call({ route: '/quiet' })).reason).toBe('floor');
  });

  it('the same trace gets the same decision from two sampler instances (two replicas)', () => {
    const c = cfg({ rate: 0.5, max_per_minute: 1_000_000, judge_rate: 0.3 });
    const a = createSampler(c, { queueDepth: () => 0, now: () => 0 });
    const b = createSampler(c, { queueDepth: () => 0, now: () => 0 });
    let inSample = 0;
    for (let i = 0; i < 2000; i++) {
      const x = call();
      const da = a.decide(x);
      const db = b.decide({ ...x, span_id: randomBytes(8).toString('hex') });
      expect(db).toEqual(da);
      if (da.sampled) inSample++;
    }
    expect(inSample).toBeGreaterThan(0);
    expect(inSample).toBeLessThan(2000);
  });

  describe('conversations', () => {
    const big = (input: Record<string, unknown>) => cfg({ max_per_minute: 10_000_000, ...input });
    /** `n` conversations of 1–9 turns, each turn its own trace (a new request per turn). */
    const conversations = (n: number): LlmCall[][] =>
      Array.from({ length: n }, (_, i) =>
        Array.from({ length: 1 + (i % 9) }, () =>
          call({ conversation_id: `conv-${i}-${randomBytes(4).toString('hex')}` }),
        ),
      ).map((turns) => turns.map((t) => ({ ...t, conversation_id: turns[0]?.conversation_id ?? '' })));

    it('samples every turn of a conversation or none, whatever the trace ids, judge mark included', () => {
      const s = createSampler(big({ rate: 0.3, judge_rate: 0.5 }), { queueDepth: () => 0, now: () => 0 });
      let sampled = 0;
      const convs = conversations(3000);
      for (const turns of convs) {
        const ds = turns.map((t) => s.decide(t));
        expect(new Set(ds.map((d) => `${d.sampled}/${d.judge}`)).size).toBe(1);
        if (ds[0]?.sampled) sampled++;
      }
      expectBinomial(sampled, convs.length, 0.3);
    });

    it('keeps 1/p the exact weight: each turn is in with probability p, and the weighted count is unbiased', () => {
      const p = 0.2;
      const s = createSampler(big({ rate: p }), { queueDepth: () => 0, now: () => 0 });
      const convs = conversations(5000);
      const probabilities = new Set<number>();
      let turns = 0;
      let weighted = 0;
      let sampledTurns = 0;
      let sizeSq = 0;
      for (const c of convs) {
        turns += c.length;
        sizeSq += c.length * c.length;
        for (const t of c) {
          const d = s.decide(t);
          if (d.sampled) {
            probabilities.add(d.probability);
            weighted += 1 / d.probability;
            sampledTurns++;
          }
        }
      }
      expect([...probabilities]).toEqual([p]);
      // Clusters: Var(Σ 1/p) = (1-p)/p · Σ size², so 4 sigma of that around the true count.
      expect(Math.abs(weighted - turns)).toBeLessThanOrEqual(4 * Math.sqrt(((1 - p) / p) * sizeSq));
      // And the share of turns taken is p (the weight's inverse), not p per conversation only.
      expect(Math.abs(sampledTurns / turns - p)).toBeLessThanOrEqual(
        4 * Math.sqrt(((1 - p) * p * sizeSq) / turns ** 2),
      );
    });

    it('draws independently per stratum rule, and by trace id without a conversation', () => {
      const c = big({
        rate: 0.5,
        strata: [
          { match: { route: '/a' }, rate: 0.5 },
          { match: { route: '/b' }, rate: 0.5 },
        ],
      });
      const s = createSampler(c, { queueDepth: () => 0, now: () => 0 });
      let both = 0;
      const n = 8000;
      for (let i = 0; i < n; i++) {
        const id = `conv-${i}`;
        const a = s.decide(call({ conversation_id: id, route: '/a' }));
        const b = s.decide(call({ conversation_id: id, route: '/b' }));
        if (a.sampled && b.sampled) both++;
      }
      expectBinomial(both, n, 0.25);
      // No conversation id: two calls of one trace share the decision (the trace is the unit).
      const x = call();
      expect(s.decide({ ...x, span_id: 'a'.repeat(16) })).toEqual(
        s.decide({ ...x, span_id: 'b'.repeat(16) }),
      );
    });
  });

  it('does not sample error calls (no answer to judge)', () => {
    const s = createSampler(cfg({}), { queueDepth: () => 0 });
    expect(s.decide(call({ status: 'error' }))).toMatchObject({ sampled: false, reason: 'error_status' });
  });

  it('sheds at the per-minute cap and counts it; judge marks are shed first', async () => {
    const before = await decisionCount('shed_rate_cap');
    const c = cfg({ max_per_minute: 100, judge_rate: 1, judge_cap_share: 0.5 });
    const s = createSampler(c, { queueDepth: () => 0, now: () => 0 });
    const ds = Array.from({ length: 150 }, () => s.decide(call()));
    expect(ds.filter((d) => d.sampled)).toHaveLength(100);
    expect(ds.slice(0, 50).every((d) => d.judge && d.judgeProbability === 1)).toBe(true);
    expect(ds.slice(50, 100).some((d) => d.judge)).toBe(false);
    expect(ds.slice(100).every((d) => d.reason === 'shed_rate_cap')).toBe(true);
    expect((await decisionCount('shed_rate_cap')) - before).toBe(50);
  });

  it('sheds everything while the cached queue depth is above the bound, and resumes after', async () => {
    const before = await decisionCount('shed_backpressure');
    let depth = 60_000;
    const s = createSampler(cfg({}), { queueDepth: () => depth, now: () => 0 });
    expect(s.decide(call())).toMatchObject({ sampled: false, reason: 'shed_backpressure' });
    depth = 10;
    expect(s.decide(call())).toMatchObject({ sampled: true, reason: 'selected', probability: 1 });
    expect((await decisionCount('shed_backpressure')) - before).toBe(1);
  });

  it('judge probability: stratum override, else the injected per-stratum rule', () => {
    const c = cfg({ judge_rate: 0, strata: [{ match: { route: '/j' }, judge_rate: 1 }] });
    const s = createSampler(c, {
      queueDepth: () => 0,
      now: () => 0,
      judgeProbability: (d) => (d.model === 'm-judged' ? 1 : 0),
    });
    expect(s.decide(call({ route: '/j' })).judge).toBe(true);
    expect(s.decide(call({ model: 'm-judged' })).judge).toBe(true);
    expect(s.decide(call())).toMatchObject({ judge: false, judgeProbability: 0 });
  });
});
