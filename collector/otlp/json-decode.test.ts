import { describe, expect, it } from 'vitest';
import { OtlpDecodeError, decodeLogs, decodeTraces } from './index.ts';

const TRACE = '5B8EFFF798038103D269B633813FC60C';
const SPAN = 'EEE19B7EC3C1B174';
const body = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const request = (spans: unknown[], extra: Record<string, unknown> = {}): Buffer =>
  body({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [{ scope: { name: 's' }, spans }],
      },
    ],
    ...extra,
  });
const span = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  traceId: TRACE,
  spanId: SPAN,
  name: 'chat',
  kind: 3,
  startTimeUnixNano: '1767323045123456789',
  endTimeUnixNano: Number('1767323046123456789'),
  ...over,
});
const attr = (key: string, value: unknown) => ({ key, value });

describe('decodeTraces json: OTLP/JSON rules', () => {
  it('accepts upper-case hex ids and stores them lower-case', () => {
    const [s] = decodeTraces(request([span({ parentSpanId: 'AAAABBBBCCCCDDDD' })]), 'json').items;
    expect(s?.traceId).toBe(TRACE.toLowerCase());
    expect(s?.spanId).toBe(SPAN.toLowerCase());
    expect(s?.parentSpanId).toBe('aaaabbbbccccdddd');
  });

  it('takes 64-bit integers as strings or numbers (timestamps and intValue)', () => {
    const [s] = decodeTraces(
      request([
        span({
          attributes: [
            attr('as_string', { intValue: '42' }),
            attr('as_number', { intValue: 42 }),
            attr('neg', { intValue: '-9007199254740991' }),
          ],
        }),
      ]),
      'json',
    ).items;
    expect(s?.startTimeMs).toBeCloseTo(1767323045123.4568, 3);
    expect(s?.endTimeMs).toBeCloseTo(1767323046123.4568, 3);
    expect({ ...s?.attributes }).toEqual({ as_string: 42, as_number: 42, neg: -9007199254740991 });
  });

  it('decodes every AnyValue type, nested kvlist and array, bytes as base64', () => {
    const [s] = decodeTraces(
      request([
        span({
          attributes: [
            attr('s', { stringValue: 'x' }),
            attr('b', { boolValue: false }),
            attr('d', { doubleValue: 0.5 }),
            attr('nan', { doubleValue: 'NaN' }),
            attr('bytes', { bytesValue: 'AAEC+g==' }),
            attr('empty', {}),
            attr('list', {
              arrayValue: {
                values: [
                  { stringValue: 'a' },
                  { intValue: '1' },
                  { kvlistValue: { values: [attr('k', { boolValue: true })] } },
                ],
              },
            }),
            attr('map', {
              kvlistValue: { values: [attr('inner', { arrayValue: { values: [{ doubleValue: 1.5 }] } })] },
            }),
          ],
        }),
      ]),
      'json',
    ).items;
    expect(s?.attributes).toEqual({
      s: 'x',
      b: false,
      d: 0.5,
      nan: NaN,
      bytes: 'AAEC+g==',
      empty: null,
      list: ['a', 1, { k: true }],
      map: { inner: [1.5] },
    });
  });

  it('ignores unknown fields at every level and accepts proto enum names', () => {
    const result = decodeTraces(
      request(
        [
          span({
            kind: 'SPAN_KIND_SERVER',
            futureField: { x: 1 },
            status: { code: 'STATUS_CODE_ERROR', message: 'boom', extra: 1 },
          }),
        ],
        { somethingNew: true },
      ),
      'json',
    );
    expect(result.rejected).toBe(0);
    expect(result.items[0]?.kind).toBe(2);
    expect(result.items[0]?.status).toEqual({ code: 2, message: 'boom' });
  });

  it('keeps `__proto__` as a plain attribute key', () => {
    const [s] = decodeTraces(
      Buffer.from(request([span({ attributes: [attr('__proto__', { stringValue: 'polluted?' })] })])),
      'json',
    ).items;
    expect(Object.keys(s?.attributes ?? {})).toEqual(['__proto__']);
    expect(s?.attributes['__proto__']).toBe('polluted?');
    expect(({} as Record<string, unknown>)['polluted?']).toBeUndefined();
  });
});

describe('decodeTraces json: bad input', () => {
  it('drops attributes with wrongly typed values, keeps the span and says why', () => {
    const result = decodeTraces(
      request([
        span({
          attributes: [
            attr('good', { stringValue: 'ok' }),
            attr('int_abc', { intValue: 'abc' }),
            attr('str_5', { stringValue: 5 }),
            attr('kv_str', { kvlistValue: 'nope' }),
            attr('arr_bad', { arrayValue: { values: [{ intValue: 1.5 }] } }),
            { key: 7, value: { stringValue: 'key is not a string' } },
          ],
        }),
      ]),
      'json',
    );
    expect(result.items).toHaveLength(1);
    expect(result.rejected).toBe(0);
    expect({ ...result.items[0]?.attributes }).toEqual({ good: 'ok' });
    expect(result.droppedAttributes).toBe(5);
    expect(result.errors.join('\n')).toContain('"int_abc" dropped: intValue must be an integer');
    expect(result.errors.join('\n')).toContain('"str_5" dropped: stringValue must be a string');
  });

  it('rejects spans with invalid ids or timestamps one by one, keeping the rest', () => {
    const result = decodeTraces(
      request([
        span({ name: 'fine' }),
        span({ traceId: 'abc' }),
        span({ spanId: undefined }),
        span({ traceId: 'zz'.repeat(16) }),
        span({ traceId: '0'.repeat(32) }),
        span({ startTimeUnixNano: 'yesterday' }),
        'not a span',
      ]),
      'json',
    );
    expect(result.items.map((s) => s.name)).toEqual(['fine']);
    expect(result.rejected).toBe(6);
    expect(result.errors).toContain(
      'resourceSpans[0].scopeSpans[0].spans[1]: trace_id must be 16 bytes, got 3 hex characters',
    );
    expect(result.errors).toContain('resourceSpans[0].scopeSpans[0].spans[2]: span_id is missing');
  });

  it('refuses absurdly nested values as a whole request, as over protobuf', () => {
    let value: Record<string, unknown> = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) value = { kvlistValue: { values: [{ key: 'k', value }] } };
    expect(() => decodeTraces(request([span({ attributes: [attr('deep', value)] })]), 'json')).toThrow(
      new OtlpDecodeError('invalid JSON: AnyValue nested deeper than 32 levels'),
    );
  });

  it('throws OtlpDecodeError with the reason for bodies that are not an export request', () => {
    const reason = (b: Buffer): string => {
      try {
        decodeTraces(b, 'json');
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(reason(Buffer.from('{"resourceSpans": ['))).toBe('invalid JSON: Unexpected end of JSON input');
    expect(reason(Buffer.from('{"resourceSpans": 5}'))).toBe('resourceSpans must be an array');
    expect(reason(Buffer.from('[1,2]'))).toBe('request body must be a JSON object');
    expect(reason(body({ resourceSpans: [{ scopeSpans: {} }] }))).toBe(
      'resourceSpans[0].scopeSpans must be an array',
    );
  });

  it('treats an empty body and an empty object as an empty request', () => {
    expect(decodeTraces(Buffer.alloc(0), 'json').items).toEqual([]);
    expect(decodeTraces(body({}), 'json')).toEqual({
      items: [],
      rejected: 0,
      errors: [],
      droppedAttributes: 0,
    });
  });
});

describe('decodeLogs json', () => {
  const logs = (records: unknown[]): Buffer =>
    body({ resourceLogs: [{ scopeLogs: [{ scope: { name: 'l', version: '1' }, logRecords: records }] }] });

  it('falls back to observedTimeUnixNano and maps all-zero ids to no trace context', () => {
    const [r] = decodeLogs(
      logs([
        {
          observedTimeUnixNano: '2000000',
          traceId: '0'.repeat(32),
          spanId: '0'.repeat(16),
          body: { stringValue: 'x' },
        },
      ]),
      'json',
    ).items;
    expect(r).toMatchObject({ timeMs: 2, traceId: '', spanId: '', body: 'x', eventName: '' });
  });

  it('drops a wrongly typed body but keeps the record, and rejects bad ids', () => {
    const result = decodeLogs(
      logs([
        { eventName: 'gen_ai.choice', traceId: TRACE, spanId: SPAN, body: { kvlistValue: [1] } },
        { traceId: 'abcd', body: { stringValue: 'x' } },
      ]),
      'json',
    );
    expect(result.items).toHaveLength(1);
    expect(result.items[0]).toMatchObject({
      eventName: 'gen_ai.choice',
      body: null,
      traceId: TRACE.toLowerCase(),
    });
    expect(result.rejected).toBe(1);
    expect(result.droppedAttributes).toBe(1);
  });
});
