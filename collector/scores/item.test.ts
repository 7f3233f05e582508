import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../span.ts';
import { fromEvaluationEvent } from './evaluation-event.ts';
import { fromApiItem, scoreItemSchema, sourceName } from './item.ts';

const T = 'ab'.repeat(16);
const S = 'cd'.repeat(8);
const redact = (s: string) => s.replaceAll('secret', '[REDACTED]');
const parse = (item: object) => fromApiItem(scoreItemSchema.parse(item), redact);
const issues = (item: object) => {
  const r = scoreItemSchema.safeParse(item);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('POST /v1/scores items', () => {
  it.each([
    ['a score passes at 0.5', { evaluator: 'e', score: 0.5 }, { score: 0.5, passed: 1, outcome: 'pass' }],
    ['a score fails below 0.5', { evaluator: 'e', score: 0.49 }, { score: 0.49, passed: 0, outcome: 'fail' }],
    [
      'passed overrides the score',
      { evaluator: 'e', score: 0.2, passed: true },
      { outcome: 'pass', score: 0.2 },
    ],
    [
      'a known label decides',
      { evaluator: 'e', label: 'Incorrect' },
      { outcome: 'fail', score: 0, label: 'Incorrect' },
    ],
    [
      'an unknown label alone is unsure',
      { evaluator: 'e', label: 'formal' },
      { outcome: 'unsure', passed: 0 },
    ],
    [
      'thumbs up',
      { kind: 'feedback', thumbs: 'up' },
      { score: 1, outcome: 'pass', label: 'thumbs_up', evaluator: 'user_feedback', source: 'user' },
    ],
    [
      'thumbs down',
      { kind: 'feedback', thumbs: 'down' },
      { score: 0, outcome: 'fail', label: 'thumbs_down' },
    ],
    [
      'rating 4 of 5 passes',
      { kind: 'feedback', rating: 4 },
      { score: 0.75, outcome: 'pass', label: 'rating_4_of_5' },
    ],
    ['rating 3 of 5 fails', { kind: 'feedback', rating: 3 }, { score: 0.5, outcome: 'fail' }],
    ['rating 10 of 10', { kind: 'feedback', rating: 10, rating_scale: 10 }, { score: 1, outcome: 'pass' }],
    [
      'the comment is the redacted reason',
      { kind: 'feedback', thumbs: 'down', comment: 'my secret' },
      { reason: 'my [REDACTED]' },
    ],
    [
      'external defaults',
      { evaluator: 'e', score: 1 },
      { kind: 'external', source: 'api', evaluator_version: '', span_id: '' },
    ],
  ])('%s', (_name, item, want) => {
    expect(parse({ trace_id: T, ...item })).toMatchObject(want);
  });

  it('lower-cases ids and clips long reasons to 1000 characters', () => {
    const s = parse({
      trace_id: T.toUpperCase(),
      span_id: S.toUpperCase(),
      evaluator: 'e',
      score: 1,
      reason: 'x'.repeat(5000),
    });
    expect(s.trace_id).toBe(T);
    expect(s.span_id).toBe(S);
    expect(s.reason).toHaveLength(1000);
  });

  it('names a call by its provider response id when the trace is not known', () => {
    const s = parse({ response_id: 'chatcmpl-AugxBIoQzz2zFMWFoiyS3Vmm1OuQI', evaluator: 'e', score: 1 });
    expect(s).toMatchObject({
      trace_id: '',
      span_id: '',
      response_id: 'chatcmpl-AugxBIoQzz2zFMWFoiyS3Vmm1OuQI',
    });
  });

  it.each([
    [{ trace_id: '0'.repeat(32), evaluator: 'e', score: 1 }, ['trace_id: must not be all zeros']],
    [{ trace_id: T, span_id: 'zz', evaluator: 'e', score: 1 }, ['span_id: must be 16 hex characters']],
    [{ trace_id: T, evaluator: 'e' }, ['score: give a score, a label or passed']],
    [
      { trace_id: T, evaluator: 'e', thumbs: 'up' },
      ['thumbs: only for kind feedback', 'score: give a score, a label or passed'],
    ],
    [
      { trace_id: T, kind: 'feedback' },
      ['thumbs: feedback needs thumbs, a rating, a score, a label or passed'],
    ],
    [
      { trace_id: T, kind: 'feedback', thumbs: 'up', rating: 5 },
      ['thumbs: give one of thumbs, rating, score'],
    ],
    [{ trace_id: T, kind: 'feedback', rating: 0 }, ['rating: must be between 1 and 5']],
    [{ evaluator: 'e', score: 1 }, ['trace_id: give trace_id (and span_id), or response_id']],
    [{ span_id: S, response_id: 'msg_1', evaluator: 'e', score: 1 }, ['span_id: needs trace_id']],
    [{ response_id: 'chat cmpl', evaluator: 'e', score: 1 }, ['response_id: printable ASCII without spaces']],
  ])('refuses %j', (item, want) => {
    expect(issues(item)).toEqual(want);
  });
});

function record(attributes: LogRecord['attributes'], ids = { traceId: T, spanId: S }): LogRecord {
  return {
    ...ids,
    timeMs: 0,
    eventName: 'gen_ai.evaluation.result',
    body: null,
    attributes,
    resource: { attributes: { 'service.name': 'eval svc/1' } },
    scope: { name: 'x', version: '' },
  };
}

describe('gen_ai.evaluation.result records', () => {
  it('reads name, score, label and explanation; the source is the service name', () => {
    const r = fromEvaluationEvent(
      record({
        'gen_ai.evaluation.name': 'relevance',
        'gen_ai.evaluation.score.value': 0.8,
        'gen_ai.evaluation.score.label': 'relevant',
        'gen_ai.evaluation.explanation': 'a secret answer',
      }),
      redact,
    );
    expect(r).toEqual({
      ok: true,
      score: {
        trace_id: T,
        span_id: S,
        response_id: '',
        evaluator: 'relevance',
        evaluator_version: '',
        kind: 'external',
        source: 'eval_svc_1',
        score: 0.8,
        passed: 1,
        outcome: 'pass',
        label: 'relevant',
        reason: 'a [REDACTED] answer',
      },
    });
  });

  it.each([
    [{}, undefined, 'missing_name'],
    [{ 'gen_ai.evaluation.name': 'a b' }, undefined, 'invalid_name'],
    [
      { 'gen_ai.evaluation.name': 'e', 'gen_ai.evaluation.score.value': 1, 'error.type': 'timeout' },
      undefined,
      'evaluation_error',
    ],
    [{ 'gen_ai.evaluation.name': 'e', 'gen_ai.evaluation.score.value': 4 }, undefined, 'score_out_of_range'],
    [{ 'gen_ai.evaluation.name': 'e' }, undefined, 'no_score'],
    [
      { 'gen_ai.evaluation.name': 'e', 'gen_ai.evaluation.score.value': 1 },
      { traceId: '', spanId: '' },
      'no_span',
    ],
    [
      { 'gen_ai.evaluation.name': 'e', 'gen_ai.evaluation.score.value': 1, 'gen_ai.response.id': 'r 1' },
      { traceId: '', spanId: '' },
      'no_span',
    ],
  ])('refuses %j', (attrs, ids, reason) => {
    const r = fromEvaluationEvent(record(attrs, ids), redact);
    expect(r.ok ? undefined : r.reason).toBe(reason);
  });

  it('joins by gen_ai.response.id when the record has no span context, by the span when it has', () => {
    const attrs = {
      'gen_ai.evaluation.name': 'e',
      'gen_ai.evaluation.score.value': 1,
      'gen_ai.response.id': 'msg_01',
    };
    const alone = fromEvaluationEvent(record(attrs, { traceId: '', spanId: '' }), redact);
    expect(alone.ok && alone.score).toMatchObject({ trace_id: '', span_id: '', response_id: 'msg_01' });
    const parented = fromEvaluationEvent(record(attrs), redact);
    expect(parented.ok && parented.score).toMatchObject({ trace_id: T, span_id: S, response_id: '' });
  });

  it('makes any producer name a valid source', () => {
    expect(sourceName('my eval/service')).toBe('my_eval_service');
    expect(sourceName('')).toBe('otel');
  });
});
