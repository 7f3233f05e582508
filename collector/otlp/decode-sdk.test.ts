import { SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { LogRecord, Span } from '../span.ts';
import { decodeLogs, decodeTraces } from './index.ts';
import { otlpType } from './proto-root.ts';
import {
  RESOURCE,
  T0_MS,
  jsonLogs,
  jsonTraces,
  protobufLogs,
  protobufTraces,
  sdkLogRecords,
  sdkSpans,
} from '../../test/support/otlp-sdk-fixtures.ts';

// Bytes from the real OTel JS serializers (the ones the OTLP exporters use), in both encodings.
const spans = sdkSpans();
const byName = (items: Span[], name: string): Span => {
  const s = items.find((x) => x.name === name);
  if (!s) throw new Error(`no span ${name}`);
  return s;
};

describe.each([
  ['protobuf', protobufTraces(spans)],
  ['json', jsonTraces(spans)],
] as const)('decodeTraces on real OTel JS %s bytes', (encoding, body) => {
  const result = decodeTraces(body, encoding);
  const root = byName(result.items, 'POST /api/chat');
  const child = byName(result.items, 'chat gpt-4o-mini');
  const sdkRoot = spans.find((s) => s.kind === SpanKind.SERVER);

  it('decodes every span with nothing rejected', () => {
    expect(result.items).toHaveLength(2);
    expect(result.rejected).toBe(0);
    expect(result.errors).toEqual([]);
  });

  it('keeps ids as lower-case hex and links parent and child', () => {
    expect(root.traceId).toBe(sdkRoot?.spanContext().traceId);
    expect(root.spanId).toBe(sdkRoot?.spanContext().spanId);
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.parentSpanId).toBe('');
    expect(child.parentSpanId).toBe(root.spanId);
    expect(child.traceId).toBe(root.traceId);
  });

  it('turns nanosecond timestamps into fractional milliseconds', () => {
    expect(root.startTimeMs).toBeCloseTo(T0_MS, 3);
    expect(root.endTimeMs).toBeCloseTo(T0_MS + 2000, 3);
    expect(child.startTimeMs).toBeCloseTo(T0_MS + 1, 3);
    expect(child.events[0]?.timeMs).toBeCloseTo(T0_MS + 2, 3);
  });

  it('keeps kind, status, events, resource and scope', () => {
    expect(root.kind).toBe(2);
    expect(child.kind).toBe(3);
    expect(root.status).toEqual({ code: 1, message: '' });
    expect(child.status).toEqual({ code: 2, message: 'rate limited' });
    expect(child.events).toHaveLength(1);
    expect(child.events[0]?.name).toBe('gen_ai.content.prompt');
    expect({ ...child.events[0]?.attributes }).toEqual({
      'gen_ai.prompt': '[{"role":"user","content":"hi"}]',
    });
    expect({ ...root.resource.attributes }).toEqual(RESOURCE);
    expect(root.scope).toEqual({ name: 'assay-test', version: '1.2.3' });
    // Spans of one ResourceSpans share one resource object.
    expect(child.resource).toBe(root.resource);
  });

  it('decodes every span attribute type to plain JS in a null-prototype object', () => {
    expect(Object.getPrototypeOf(root.attributes)).toBeNull();
    expect({ ...root.attributes }).toEqual({
      'http.route': '/api/chat',
      'http.response.status_code': 200,
      'sampled.flag': true,
      ratio: 0.25,
      big: 2 ** 40,
      negative: -7,
      'gen_ai.response.finish_reasons': ['stop', 'length'],
      scores: [1, 2, 3],
      flags: [true, false],
    });
  });
});

describe('protobuf decoder agrees with protobufjs reflection over the vendored .proto files', () => {
  it('reads the same ids, names, kinds, times and attribute keys', () => {
    const bytes = protobufTraces(spans);
    const Request = otlpType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
    const reference = Request.toObject(Request.decode(bytes), {
      longs: String,
      bytes: String,
      enums: Number,
    }) as {
      resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
    };
    const refSpans = reference.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const ours = decodeTraces(bytes, 'protobuf').items;
    expect(ours.map((s) => s.name)).toEqual(refSpans.map((s) => s['name']));
    expect(ours.map((s) => s.kind)).toEqual(refSpans.map((s) => s['kind']));
    expect(ours.map((s) => s.spanId)).toEqual(
      refSpans.map((s) => Buffer.from(s['spanId'] as string, 'base64').toString('hex')),
    );
    expect(ours.map((s) => Math.round(s.startTimeMs * 1000))).toEqual(
      refSpans.map((s) => Math.round(Number(s['startTimeUnixNano']) / 1000)),
    );
    expect(ours.map((s) => Object.keys(s.attributes))).toEqual(
      refSpans.map((s) => ((s['attributes'] as { key: string }[] | undefined) ?? []).map((kv) => kv.key)),
    );
  });
});

describe.each([
  ['protobuf', protobufLogs],
  ['json', jsonLogs],
] as const)('decodeLogs on real OTel JS %s bytes', (encoding, serialize) => {
  const byEvent = async (): Promise<Record<string, LogRecord>> => {
    const result = decodeLogs(serialize(await sdkLogRecords(spans)), encoding);
    expect(result.rejected).toBe(0);
    expect(result.items).toHaveLength(2);
    return Object.fromEntries(result.items.map((r) => [r.eventName, r]));
  };

  it('keeps trace context, time and the event_name field', async () => {
    const { 'gen_ai.choice': choice } = await byEvent();
    const client = spans.find((s) => s.kind === SpanKind.CLIENT)?.spanContext();
    expect(choice?.traceId).toBe(client?.traceId);
    expect(choice?.spanId).toBe(client?.spanId);
    expect(choice?.timeMs).toBeCloseTo(T0_MS, 3);
    expect(choice?.scope).toEqual({ name: 'assay-test-logs', version: '0.0.1' });
  });

  it('decodes kvlist, nested array, bytes, int, bool and double AnyValues', async () => {
    const { 'gen_ai.choice': choice } = await byEvent();
    expect(choice?.body).toEqual({
      index: 0,
      finish_reason: 'stop',
      message: { role: 'assistant', content: 'Hello!' },
      tags: ['a', 1, true, { deep: [2.5] }],
    });
    expect(Object.getPrototypeOf(choice?.body)).toBeNull();
    expect({ ...choice?.attributes }).toEqual({
      'gen_ai.system': 'openai',
      raw: Buffer.from([0, 1, 2, 250]).toString('base64'),
      count: 3,
    });
  });

  it('takes the event name from the event.name attribute and leaves ids empty without trace context', async () => {
    const { 'app.note': note } = await byEvent();
    expect(note?.body).toBe('plain text, no trace context');
    expect(note?.traceId).toBe('');
    expect(note?.spanId).toBe('');
  });
});
