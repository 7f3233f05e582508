import { describe, expect, it } from 'vitest';
import { OtlpDecodeError, decodeLogs, decodeTraces } from './index.ts';
import { otlpType } from './proto-root.ts';
import { cachedUtf8 } from './string-cache.ts';
import { protobufTraces, sdkSpans } from '../../test/support/otlp-sdk-fixtures.ts';

// Hand-made requests encoded by protobufjs reflection from the vendored .proto files.
const Request = otlpType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const encode = (spans: Record<string, unknown>[], attributes: unknown[] = []): Buffer =>
  Buffer.from(
    Request.encode(
      Request.fromObject({
        resourceSpans: [
          { resource: { attributes }, scopeSpans: [{ scope: { name: 's', version: '1' }, spans }] },
        ],
      }),
    ).finish(),
  );
const id = (bytes: number, fill = 1): Buffer => Buffer.alloc(bytes, fill);
const span = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  traceId: id(16),
  spanId: id(8),
  name: 'ok',
  startTimeUnixNano: '1767323045123456789',
  ...over,
});

function decodeError(body: Buffer): string {
  try {
    decodeTraces(body, 'protobuf');
  } catch (err) {
    expect(err).toBeInstanceOf(OtlpDecodeError);
    return (err as Error).message;
  }
  return 'no error';
}

describe('decodeTraces protobuf', () => {
  it('rejects spans with a wrong-length or missing id and keeps the rest (partial success)', () => {
    const result = decodeTraces(
      encode([
        span(),
        span({ name: 'short', traceId: id(15) }),
        span({ name: 'no-span-id', spanId: Buffer.alloc(0) }),
        span({ name: 'zero', traceId: id(16, 0) }),
      ]),
      'protobuf',
    );
    expect(result.items.map((s) => s.name)).toEqual(['ok']);
    expect(result.rejected).toBe(3);
    expect(result.errors).toEqual([
      'span "short": trace_id must be 16 bytes, got 15 bytes',
      'span "no-span-id": span_id is missing',
      'span "zero": trace_id is all zeros',
    ]);
  });

  it('reads int64 attribute values exactly, including negative and 2^53-1', () => {
    const values = [0, 300, -1, -(2 ** 40), 2 ** 53 - 1, -(2 ** 53 - 1)];
    const attributes = values.map((v, i) => ({ key: `v${i}`, value: { intValue: v } }));
    const [s] = decodeTraces(encode([span({ attributes })]), 'protobuf').items;
    expect(values.map((_, i) => s?.attributes[`v${i}`])).toEqual(values);
  });

  it('skips fields it does not use (links, trace_state, flags) without losing the ones after them', () => {
    const [s] = decodeTraces(
      encode([
        span({
          traceState: 'a=b',
          flags: 257,
          links: [{ traceId: id(16, 2), spanId: id(8, 2) }],
          status: { code: 2, message: 'x' },
        }),
      ]),
      'protobuf',
    ).items;
    expect(s?.status).toEqual({ code: 2, message: 'x' });
  });

  it('throws a precise reason for truncated and garbage bodies', () => {
    const good = protobufTraces(sdkSpans());
    expect(decodeError(good.subarray(0, good.length - 10))).toMatch(
      /^invalid protobuf: index out of range: \d+ \+ \d+ > \d+$/,
    );
    expect(decodeError(Buffer.from('this is not protobuf at all'))).toMatch(
      /^invalid protobuf: invalid wire type \d/,
    );
    expect(decodeError(Buffer.from([0x00, 0x01]))).toMatch(/^invalid protobuf: field number 0/);
  });

  it('refuses absurdly nested values instead of overflowing the stack', () => {
    let value: Record<string, unknown> = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) value = { arrayValue: { values: [value] } };
    expect(decodeError(encode([span({ attributes: [{ key: 'deep', value }] })]))).toMatch(
      /nested deeper than 32/,
    );
  });

  it('treats an empty body as an empty request', () => {
    expect(decodeTraces(Buffer.alloc(0), 'protobuf')).toMatchObject({
      items: [],
      rejected: 0,
      errors: [],
      droppedAttributes: 0,
    });
    expect(decodeLogs(new Uint8Array(0), 'protobuf').items).toEqual([]);
  });

  it('shares resource and scope objects even when the resource field comes after the spans', () => {
    const ResourceSpans = otlpType('opentelemetry.proto.trace.v1.ResourceSpans');
    const scopeSpans = ResourceSpans.encode(
      ResourceSpans.fromObject({ scopeSpans: [{ spans: [span()] }] }),
    ).finish();
    const resource = ResourceSpans.encode(
      ResourceSpans.fromObject({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'late' } }] },
      }),
    ).finish();
    const rs = Buffer.concat([scopeSpans, resource]);
    const body = Buffer.concat([Buffer.from([0x0a, rs.length]), rs]);
    const [s] = decodeTraces(body, 'protobuf').items;
    expect(s?.resource.attributes['service.name']).toBe('late');
  });
});

describe('string cache', () => {
  it('always returns the string of the exact bytes, across slot collisions and replacements', () => {
    const words = Array.from({ length: 20_000 }, (_, i) => `key.${i % 7000}.${'é'.repeat(i % 3)}`);
    const buf = Buffer.from(words.join('|'));
    let at = 0;
    const read = words.map((w) => {
      const start = at;
      at += Buffer.byteLength(w) + 1;
      return cachedUtf8(buf, start, at - 1);
    });
    expect(read).toEqual(words);
  });
});
