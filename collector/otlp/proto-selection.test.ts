import { SpanKind, context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { spanSelection } from '../pipeline.ts';
import type { Span } from '../span.ts';
import { OtlpDecodeError, decodeTraces } from './index.ts';

// The collector decodes only the attribute values it reads: everything of a span that may be a
// call, the route hints of any other span. Bytes from the real OTel JS serializer.
function request(): Buffer {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('selection-test');
  const server = tracer.startSpan('POST /api/refunds', {
    kind: SpanKind.SERVER,
    attributes: { 'http.route': '/api/refunds', 'http.request.method': 'POST', 'url.path': '/api/refunds' },
  });
  const ctx = trace.setSpan(context.active(), server);
  const db = tracer.startSpan(
    'SELECT orders',
    {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'postgresql', 'server.port': 5432, tags: ['a', 'b'] },
    },
    ctx,
  );
  db.addEvent('exception', { 'exception.type': 'Timeout' });
  db.end();
  const labelled = tracer.startSpan(
    'agent step',
    { attributes: { 'assay.route': 'refund-bot', other: 1 } },
    ctx,
  );
  labelled.end();
  const call = tracer.startSpan(
    'chat gpt-4o-mini',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'server.address': 'api.openai.com',
        'gen_ai.provider.name': 'openai',
        'gen_ai.usage.input_tokens': 12,
        custom: { nested: ['x'] } as never,
        'gen_ai.operation.name': 'chat',
      },
    },
    ctx,
  );
  call.end();
  server.end();
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()) as Uint8Array);
}

const byName = (spans: Span[], name: string): Span => spans.find((s) => s.name === name) as Span;

describe('decodeTraces with a span selection', () => {
  const body = request();
  const full = decodeTraces(body, 'protobuf').items;
  const selected = decodeTraces(body, 'protobuf', spanSelection(['assay.route'])).items;

  it('decodes every attribute of a span that may be a call, whatever order its keys come in', () => {
    const call = byName(selected, 'chat gpt-4o-mini');
    expect(call.attributes).toEqual(byName(full, 'chat gpt-4o-mini').attributes);
    expect(Object.keys(call.attributes)).toContain('server.address');
  });

  it('keeps only the route hints of other spans, and everything else about them', () => {
    expect({ ...byName(selected, 'POST /api/refunds').attributes }).toEqual({ 'http.route': '/api/refunds' });
    expect({ ...byName(selected, 'agent step').attributes }).toEqual({ 'assay.route': 'refund-bot' });
    const db = byName(selected, 'SELECT orders');
    expect({ ...db.attributes }).toEqual({});
    expect(db.events.map((e) => ({ ...e.attributes }))).toEqual([{ 'exception.type': 'Timeout' }]);
    expect(selected.map(({ attributes: _a, events: _e, resource: _r, ...rest }) => rest)).toEqual(
      full.map(({ attributes: _a, events: _e, resource: _r, ...rest }) => rest),
    );
  });

  it('still refuses malformed bytes in values it does not decode', () => {
    // Cut inside the last span's attributes: the walk notices even though values are skipped.
    expect(() => decodeTraces(body.subarray(0, body.length - 40), 'protobuf', spanSelection([]))).toThrow(
      OtlpDecodeError,
    );
  });
});
