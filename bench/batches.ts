import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

const LOREM =
  'The customer asked about the status of a refund for an order that arrived damaged, and wants to know when the money will be back on the card. ';

/**
 * A realistic OTLP protobuf export request made by the real OTel JS SDK and serializer: `size`
 * spans in traces of ~16 spans, of which `llmShare` are GenAI CLIENT spans with ~1 KB of prompt
 * and ~0.5 KB of answer; the rest are HTTP server/client and DB spans with ~10 attributes.
 * Returns the bytes and the offsets of every trace id in them, so callers can make each send
 * unique by rewriting ids in place (the collector drops repeated spans as exporter retries).
 */
export function buildBatch(
  size = 512,
  llmShare = 0.1,
): {
  bytes: Uint8Array;
  traceIdOffsets: number[];
  llmCalls: number;
  /** The same spans as two requests: the LLM spans, then the rest (their parents come later). */
  split: [EncodedSpans, EncodedSpans];
} {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout-api',
      'deployment.environment.name': 'prod',
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('bench');
  const llmEvery = Math.round(1 / llmShare);
  let made = 0;
  let llmCalls = 0;
  while (made < size) {
    const server = tracer.startSpan('POST /api/refunds', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/api/refunds',
        'url.path': '/api/refunds',
        'http.response.status_code': 200,
        'server.address': 'checkout.internal',
        'server.port': 8080,
        'user_agent.original': 'Mozilla/5.0',
        'client.address': '10.0.3.7',
        'network.protocol.version': '1.1',
      },
    });
    made++;
    const ctx = trace.setSpan(context.active(), server);
    for (let i = 0; i < 15 && made < size; i++, made++) {
      if (made % llmEvery === 0) {
        llmCalls++;
        const s = tracer.startSpan(
          'chat gpt-4o-mini',
          {
            kind: SpanKind.CLIENT,
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'gpt-4o-mini',
              'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
              'gen_ai.usage.input_tokens': 230,
              'gen_ai.usage.output_tokens': 110,
              'gen_ai.response.finish_reasons': ['stop'],
              'server.address': 'api.openai.com',
              'gen_ai.input.messages': JSON.stringify([
                { role: 'user', parts: [{ type: 'text', content: LOREM.repeat(7) }] },
              ]),
              'gen_ai.output.messages': JSON.stringify([
                {
                  role: 'assistant',
                  parts: [{ type: 'text', content: LOREM.repeat(3) }],
                  finish_reason: 'stop',
                },
              ]),
            },
          },
          ctx,
        );
        s.end();
      } else if (i % 2 === 0) {
        const s = tracer.startSpan(
          'SELECT orders',
          {
            kind: SpanKind.CLIENT,
            attributes: {
              'db.system.name': 'postgresql',
              'db.namespace': 'shop',
              'db.operation.name': 'SELECT',
              'db.collection.name': 'orders',
              'db.query.text': 'SELECT id, status, amount FROM orders WHERE id = $1',
              'server.address': 'pg.internal',
              'server.port': 5432,
              'network.peer.address': '10.0.4.2',
              'db.response.returned_rows': 1,
              'code.function.name': 'OrdersRepo.find',
            },
          },
          ctx,
        );
        s.end();
      } else {
        const s = tracer.startSpan(
          'GET',
          {
            kind: SpanKind.CLIENT,
            attributes: {
              'http.request.method': 'GET',
              'url.full': 'http://payments.internal/v1/refunds/123',
              'server.address': 'payments.internal',
              'server.port': 80,
              'http.response.status_code': 200,
              'network.protocol.version': '1.1',
              'url.scheme': 'http',
              'http.request.resend_count': 0,
              'user_agent.original': 'undici',
              'network.peer.address': '10.0.5.9',
            },
          },
          ctx,
        );
        s.setStatus({ code: SpanStatusCode.UNSET });
        s.end();
      }
    }
    server.end();
  }
  const spans = exporter.getFinishedSpans();
  const isLlm = (s: (typeof spans)[number]): boolean => s.attributes['gen_ai.operation.name'] !== undefined;
  const split: [EncodedSpans, EncodedSpans] = [
    encode(spans.filter(isLlm)),
    encode(spans.filter((s) => !isLlm(s))),
  ];
  return { ...encode(spans), llmCalls, split };
}

export interface EncodedSpans {
  bytes: Buffer;
  traceIdOffsets: number[];
}

function encode(spans: ReturnType<InMemorySpanExporter['getFinishedSpans']>): EncodedSpans {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('serializer returned nothing');
  const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
  const buf = Buffer.from(bytes);
  const traceIdOffsets: number[] = [];
  for (const id of traceIds) {
    const needle = Buffer.from(id, 'hex');
    for (let at = buf.indexOf(needle); at !== -1; at = buf.indexOf(needle, at + 1)) traceIdOffsets.push(at);
  }
  return { bytes: buf, traceIdOffsets };
}

/** Rewrites the first 8 bytes of every trace id so this copy's spans are new to the collector. */
export function stampBatch(template: Uint8Array, offsets: readonly number[], sequence: number): Buffer {
  const copy = Buffer.from(template);
  for (const at of offsets) {
    copy.writeUInt32BE(sequence >>> 0, at);
    copy.writeUInt32BE(0xa55a0000, at + 4);
  }
  return copy;
}
