import { describe, expect, it } from 'vitest';
import { judgesConfigSchema } from '../judges/index.ts';
import { estimateJudgeSpend, evaluatorSet, judgeMarker } from './evaluator-set.ts';
import { runId } from './run-id.ts';
import { parseTimePoint, parseWhere, SelectionError } from './selection.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const off = judgesConfigSchema.parse({});
const on = judgesConfigSchema.parse({
  endpoints: [{}],
  default_rubrics: ['relevance'],
  rules: [{ match: { route: '/never' }, probability: 1, rubrics: ['correctness'] }],
});

describe('re-evaluation arguments', () => {
  it('--where: key=value items, a key twice matches either, unknown keys and empty values rejected with why', () => {
    expect(parseWhere(['provider=openai', 'route=/api/chat', 'provider=anthropic'])).toEqual({
      provider: ['anthropic', 'openai'],
      route: ['/api/chat'],
    });
    expect(parseWhere(['route=/a=b'])).toEqual({ route: ['/a=b'] });
    expect(() => parseWhere(['colour=red'])).toThrow(/--where "colour=red": unknown key \(one of service/);
    expect(() => parseWhere(['provider'])).toThrow(/expected key=value/);
    expect(() => parseWhere(['provider='])).toThrow(SelectionError);
  });

  it('--since / --until: a duration back from now or an ISO date', () => {
    expect(parseTimePoint('--since', '7d', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseTimePoint('--since', '90m', NOW)).toBe(NOW - 90 * 60_000);
    expect(parseTimePoint('--until', '2026-11-24', NOW)).toBe(Date.parse('2026-11-24T00:00:00Z'));
    expect(() => parseTimePoint('--since', 'last week', NOW)).toThrow(
      /--since "last week": expected a duration/,
    );
  });

  it('the evaluator set: every check (and judge) by default, --evaluator restricts, unknown names listed', () => {
    const all = evaluatorSet(off, []);
    expect(all.members.map((m) => m.id)).toContain('refusal');
    expect(all.members.every((m) => m.kind === 'check')).toBe(true);
    const one = evaluatorSet(off, ['refusal']);
    expect(one.members).toEqual([expect.objectContaining({ id: 'refusal', kind: 'check' })]);
    expect(one.key).not.toBe(all.key);
    expect(evaluatorSet(off, ['refusal']).key).toBe(one.key);
    expect(() => evaluatorSet(off, ['judge_relevance'])).toThrow(/unknown .*judges are off/);
    expect(evaluatorSet(on, ['judge_relevance']).members[0]).toMatchObject({ kind: 'judge' });
  });

  it('the run id follows the arguments, not their order', () => {
    const a = runId({ since: '7d', until: '', where: { provider: ['a', 'b'], route: ['/x'] }, setKey: 'k' });
    const b = runId({ since: '7d', until: '', where: { route: ['/x'], provider: ['b', 'a'] }, setKey: 'k' });
    expect(a).toBe(b);
    expect(runId({ since: '7d', until: '', where: {}, setKey: 'other' })).not.toBe(a);
  });

  it('the dry run estimate: calls × judge-mark probability per rubric of the set, priced from stored scores', () => {
    const strata = [
      { service: 's', provider: 'p', route: '/chat', model: 'm', calls: 1000 },
      { service: 's', provider: 'p', route: '/never', model: 'm', calls: 10 },
    ];
    const set = evaluatorSet(on, []);
    const est = estimateJudgeSpend(strata, on, 0.1, set, new Map([['judge_relevance', 0.002]]));
    // 1000 × 0.1 relevance + 10 × 1 correctness (its rule's probability); correctness has no price.
    expect(est.judgeCalls).toBe(110);
    expect(est.usd).toBeCloseTo(0.2);
    expect(est.unpriced).toEqual(['judge_correctness']);
    expect(estimateJudgeSpend(strata, on, 0.1, evaluatorSet(on, ['refusal']), new Map()).judgeCalls).toBe(0);
  });

  it("the judge mark is the sampler's: the stratum's probability on the trace id's hash", () => {
    const mark = judgeMarker(on, 0.5);
    const calls = Array.from({ length: 400 }, (_, i) => ({
      service: 's',
      provider: 'p',
      route: '/chat',
      model: 'm',
      ts: 0,
      trace_id: i.toString(16).padStart(32, '0'),
      span_id: '1'.repeat(16),
    }));
    const marked = calls.map(mark).filter((m) => m.judge);
    expect(marked.length).toBeGreaterThan(150);
    expect(marked.length).toBeLessThan(250);
    expect(marked.every((m) => m.judge_probability === 0.5)).toBe(true);
    expect(judgeMarker(off, 0.5)(calls[0] as (typeof calls)[0])).toEqual({
      judge: false,
      judge_probability: 0,
    });
  });
});
