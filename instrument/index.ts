/**
 * Service-side helper: send a service's LLM spans to Assay with one call, label routes, and
 * record calls made with clients no instrumentation library covers.
 *
 * ```ts
 * import { startAssayTracing, withRoute, recordLlmCall } from 'assay/instrument';
 * const tracing = startAssayTracing({ serviceName: 'checkout', endpoint: 'http://assay:4318' });
 * await withRoute('refund-answer', () =>
 *   recordLlmCall({ provider: 'openai', model: 'gpt-4o-mini' }, () => client.chat(...), (r) => ({ ... })));
 * // Later, when the user clicks thumbs down on that answer (trace id alone: its last LLM call):
 * await sendFeedback({ traceId, thumbs: 'down', comment: 'wrong order number' }, { endpoint: 'http://assay:4318' });
 * process.on('SIGTERM', () => void tracing.shutdown());
 * ```
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { setDefaultCaptureContent } from './record-llm-call.ts';
import { RouteSpanProcessor } from './route.ts';

export { recordLlmCall, type ChatMessage, type LlmCallMeta, type LlmCallResult } from './record-llm-call.ts';
export { currentRoute, ROUTE_ATTRIBUTE, RouteSpanProcessor, withRoute } from './route.ts';
export { FeedbackError, sendFeedback, type Feedback, type FeedbackOptions } from './send-feedback.ts';

export interface AssayTracingOptions {
  /** Assay collector base URL; spans go to `${endpoint}/v1/traces`. Default `http://127.0.0.1:4318`. */
  endpoint?: string;
  /** `service.name` of this service. */
  serviceName: string;
  /** `deployment.environment.name`, e.g. `prod`. Default unset. */
  environment?: string;
  /** Extra HTTP headers, e.g. `{ authorization: 'Bearer …' }` when the collector has `api_keys`. Default none. */
  headers?: Record<string, string>;
  /** Record prompt and answer text on `recordLlmCall` spans. Default false (content is sensitive). */
  captureContent?: boolean;
}

export interface AssayTracing {
  /** Exports every ended span now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops the SDK. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK with an OTLP/HTTP exporter pointed at Assay, a batch span
 * processor, and the processor that stamps `withRoute` routes onto spans. Call it once, before
 * the code whose spans should be exported; instrumentation libraries registered afterwards
 * (OpenAI, OpenInference, OpenLLMetry, Vercel AI) export through it too.
 */
export function startAssayTracing(opts: AssayTracingOptions): AssayTracing {
  const endpoint = (opts.endpoint ?? 'http://127.0.0.1:4318').replace(/\/+$/, '');
  setDefaultCaptureContent(opts.captureContent ?? false);
  const exporter = new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, headers: opts.headers ?? {} });
  const batch = new BatchSpanProcessor(exporter);
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      'service.name': opts.serviceName,
      ...(opts.environment ? { 'deployment.environment.name': opts.environment } : {}),
    }),
    // The route processor runs first so the attribute is set before the span can be exported.
    spanProcessors: [new RouteSpanProcessor(), batch],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    forceFlush: () => batch.forceFlush(),
    shutdown: () => (stopped ??= sdk.shutdown()),
  };
}
