/**
 * What the collector spends on one call, measured in the bench process: the calls of a mix are
 * exported by the real OTel JS SDK and protobuf serializer (a SERVER span with its `http.route`
 * and the GenAI CLIENT span with v1.37 message attributes, per call), and every round decodes the
 * bytes with the collector's selective decoder and runs the spans through `CollectorPipeline`
 * (classification, normalisation, route resolution, redaction, pricing) into a sink that keeps
 * nothing. One thread, no I/O: µs per call here are CPU µs per call.
 */
import { SpanKind, context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createPricer } from '../collector/normalise/pricing.ts';
import { createRedactor } from '../collector/normalise/redaction.ts';
import { decodeTraces } from '../collector/otlp/decode.ts';
import { CollectorPipeline, spanSelection } from '../collector/pipeline.ts';
import { parseConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import type { CheckInput } from '../evaluators/checks/types.ts';

/** The parsed messages of a stored prompt (`<role>: <content>` blocks). */
function messagesOf(
  prompt: string,
): Array<{ role: string; parts: Array<{ type: 'text'; content: string }> }> {
  return prompt.split(/\n\n(?=(?:system|user|assistant): )/).map((block) => {
    const colon = block.indexOf(': ');
    return { role: block.slice(0, colon), parts: [{ type: 'text', content: block.slice(colon + 2) }] };
  });
}

/** One OTLP protobuf export request holding every call of `calls` (and its SERVER span). */
export function exportRequest(calls: readonly CheckInput[]): Uint8Array {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop', 'deployment.environment.name': 'prod' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('bench');
  for (const call of calls) {
    const server = tracer.startSpan('POST /api/support', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/api/support',
        'http.response.status_code': 200,
      },
    });
    const s = tracer.startSpan(
      `chat ${call.model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': call.provider,
          'gen_ai.request.model': call.model,
          'gen_ai.response.model': call.model,
          'gen_ai.usage.input_tokens': Math.ceil(call.prompt.length / 4),
          'gen_ai.usage.output_tokens': call.output_tokens,
          'gen_ai.response.finish_reasons': [call.finish_reason],
          'gen_ai.input.messages': JSON.stringify(messagesOf(call.prompt)),
          'gen_ai.output.messages': JSON.stringify([
            {
              role: 'assistant',
              parts: [{ type: 'text', content: call.response }],
              finish_reason: call.finish_reason,
            },
          ]),
        },
      },
      trace.setSpan(context.active(), server),
    );
    s.end();
    server.end();
  }
  const bytes = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans());
  if (!bytes) throw new Error('the serializer returned nothing');
  return bytes;
}

/** CPU µs the collector spends per call of `calls` (median of `rounds` rounds over the same bytes). */
export function ingestMicrosPerCall(calls: readonly CheckInput[], seconds: number): number {
  const bytes = exportRequest(calls);
  const config = parseConfig({}).collector;
  const selection = spanSelection(config.route.keys);
  let stored = 0;
  const pipeline = new CollectorPipeline({
    config,
    logger: silentLogger,
    price: createPricer(config.prices),
    redact: createRedactor(config.redaction),
    sink: {
      add: (rows) => ((stored += rows.length), { accepted: true, done: Promise.resolve() }),
      available: () => 1e9,
    },
  });
  // Every round must look new to the pipeline (it drops spans it has seen as exporter retries):
  // a fresh pipeline per round would also measure its construction, so trace ids are rewritten.
  const round = (n: number): void => {
    const decoded = decodeTraces(bytes, 'protobuf', selection);
    if (decoded.rejected > 0) throw new Error(`decode rejected spans: ${decoded.errors.join('; ')}`);
    const hex = n.toString(16).padStart(8, '0');
    for (const s of decoded.items) s.traceId = hex + s.traceId.slice(8);
    pipeline.acceptSpans(decoded.items);
  };
  round(0);
  const samples: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  for (let n = 1; performance.now() < deadline || samples.length < 5; n++) {
    const t0 = performance.now();
    round(n);
    samples.push(((performance.now() - t0) * 1000) / calls.length);
  }
  if (stored < calls.length) throw new Error(`the pipeline stored ${stored} of ${calls.length} calls`);
  void pipeline.shutdown();
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}
