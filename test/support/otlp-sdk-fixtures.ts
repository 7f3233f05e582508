// Test-only: real OTel JS SDK spans and log records, serialised by the real OTLP serializers,
// so the decoders are checked against the bytes exporters actually send.
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import {
  JsonLogsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

export const RESOURCE = { 'service.name': 'checkout-api', 'deployment.environment.name': 'prod' };
/** 2026-01-02T03:04:05.123456789Z as [seconds, nanoseconds]. */
export const T0: [number, number] = [1767323045, 123456789];
export const T0_MS = T0[0] * 1000 + T0[1] / 1e6;

/** A SERVER root span with every span-attribute type, and an erroring CLIENT child with an event and a link. */
export function sdkSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(RESOURCE),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('assay-test', '1.2.3');
  const root = tracer.startSpan('POST /api/chat', {
    kind: SpanKind.SERVER,
    startTime: T0,
    attributes: {
      'http.route': '/api/chat',
      'http.response.status_code': 200,
      'sampled.flag': true,
      ratio: 0.25,
      big: 2 ** 40,
      negative: -7,
      'gen_ai.response.finish_reasons': ['stop', 'length'],
      scores: [1, 2, 3],
      flags: [true, false],
    },
  });
  root.setStatus({ code: SpanStatusCode.OK });
  const child = tracer.startSpan(
    'chat gpt-4o-mini',
    {
      kind: SpanKind.CLIENT,
      startTime: [T0[0], T0[1] + 1_000_000],
      links: [{ context: root.spanContext(), attributes: { why: 'test' } }],
    },
    trace.setSpan(context.active(), root),
  );
  child.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': '[{"role":"user","content":"hi"}]' }, [
    T0[0],
    T0[1] + 2_000_000,
  ]);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
  child.end([T0[0] + 1, T0[1]]);
  root.end([T0[0] + 2, T0[1]]);
  return exporter.getFinishedSpans();
}

/** Log records with AnyValue bodies and attributes of every type (maps, bytes, nested arrays). */
export async function sdkLogRecords(spans: ReadableSpan[]): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(RESOURCE),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('assay-test-logs', '0.0.1');
  const span = spans.find((s) => s.kind === SpanKind.CLIENT) ?? spans[0];
  const ctx = span ? trace.setSpanContext(context.active(), span.spanContext()) : context.active();
  logger.emit({
    eventName: 'gen_ai.choice',
    timestamp: T0,
    context: ctx,
    body: {
      index: 0,
      finish_reason: 'stop',
      message: { role: 'assistant', content: 'Hello!' },
      tags: ['a', 1, true, { deep: [2.5] }],
    },
    attributes: { 'gen_ai.system': 'openai', raw: new Uint8Array([0, 1, 2, 250]), count: 3 },
  });
  logger.emit({
    body: 'plain text, no trace context',
    observedTimestamp: T0,
    attributes: { 'event.name': 'app.note' },
  });
  await provider.forceFlush();
  return exporter.getFinishedLogRecords();
}

export function protobufTraces(spans: ReadableSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) ?? new Uint8Array());
}
export function jsonTraces(spans: ReadableSpan[]): Buffer {
  return Buffer.from(JsonTraceSerializer.serializeRequest(spans) ?? new Uint8Array());
}
export function protobufLogs(records: ReadableLogRecord[]): Buffer {
  return Buffer.from(ProtobufLogsSerializer.serializeRequest(records) ?? new Uint8Array());
}
export function jsonLogs(records: ReadableLogRecord[]): Buffer {
  return Buffer.from(JsonLogsSerializer.serializeRequest(records) ?? new Uint8Array());
}
