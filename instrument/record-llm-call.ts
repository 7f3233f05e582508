import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/**
 * Records one call to any LLM client as an OpenTelemetry GenAI client span, following the
 * v1.37+ conventions (`reference/otel-genai-conventions.md`): span name `{operation} {model}`,
 * kind CLIENT, `gen_ai.*` request/response/usage attributes, and — only when content capture is
 * switched on — `gen_ai.input.messages` / `gen_ai.output.messages` as JSON in the "parts" format.
 */

/** A chat message as most clients take it. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** What is known before the call. */
export interface LlmCallMeta {
  /** `gen_ai.provider.name`, e.g. `openai`, `anthropic`, `aws.bedrock`. */
  provider: string;
  /** `gen_ai.request.model`. */
  model: string;
  /** `gen_ai.operation.name`. Default `chat`. */
  operation?: string;
  /** `server.address`, e.g. `api.openai.com`. */
  serverAddress?: string;
  /** The prompt; recorded only when content capture is on. */
  messages?: ChatMessage[];
  /** Overrides the process default set by `startAssayTracing({ captureContent })`. */
  captureContent?: boolean;
}

/** What `extract` reads from the client's result. Every field is optional. */
export interface LlmCallResult {
  responseModel?: string;
  inputTokens?: number;
  outputTokens?: number;
  finishReason?: string;
  outputText?: string;
}

let defaultCaptureContent = process.env['OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT'] === 'true';

/** Sets the process-wide content-capture default (called by `startAssayTracing`). */
export function setDefaultCaptureContent(capture: boolean): void {
  defaultCaptureContent = capture;
}

const tracer = () => trace.getTracer('assay-instrument', '0.1.0');

const parts = (role: string, content: string, extra: Record<string, string> = {}) => ({
  role,
  parts: [{ type: 'text', content }],
  ...extra,
});

/**
 * Runs `fn` (the client call) inside a GenAI span and returns its result unchanged. A thrown
 * error marks the span ERROR with `error.type` and is rethrown; an `extract` that throws only
 * loses the response attributes, never the caller's result.
 */
export async function recordLlmCall<R>(
  meta: LlmCallMeta,
  fn: () => Promise<R>,
  extract?: (result: R) => LlmCallResult,
): Promise<R> {
  const operation = meta.operation ?? 'chat';
  const capture = meta.captureContent ?? defaultCaptureContent;
  const attributes: Attributes = {
    'gen_ai.operation.name': operation,
    'gen_ai.provider.name': meta.provider,
    'gen_ai.request.model': meta.model,
  };
  if (meta.serverAddress) attributes['server.address'] = meta.serverAddress;
  if (capture && meta.messages) {
    attributes['gen_ai.input.messages'] = JSON.stringify(meta.messages.map((m) => parts(m.role, m.content)));
  }
  return tracer().startActiveSpan(
    `${operation} ${meta.model}`,
    { kind: SpanKind.CLIENT, attributes },
    async (span) => {
      try {
        const result = await fn();
        if (extract) recordResult(span, safeExtract(extract, result), capture);
        return result;
      } catch (err) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setAttribute('error.type', errorType(err));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: err instanceof Error ? err.message : String(err),
        });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

function safeExtract<R>(extract: (r: R) => LlmCallResult, result: R): LlmCallResult {
  try {
    return extract(result);
  } catch {
    return {};
  }
}

function recordResult(span: Span, r: LlmCallResult, capture: boolean): void {
  if (r.responseModel) span.setAttribute('gen_ai.response.model', r.responseModel);
  if (r.inputTokens !== undefined) span.setAttribute('gen_ai.usage.input_tokens', r.inputTokens);
  if (r.outputTokens !== undefined) span.setAttribute('gen_ai.usage.output_tokens', r.outputTokens);
  if (r.finishReason) span.setAttribute('gen_ai.response.finish_reasons', [r.finishReason]);
  if (capture && r.outputText !== undefined) {
    const extra: Record<string, string> = r.finishReason ? { finish_reason: r.finishReason } : {};
    span.setAttribute('gen_ai.output.messages', JSON.stringify([parts('assistant', r.outputText, extra)]));
  }
}

/**
 * `error.type` per the semantic conventions: an HTTP status when the client error carries one
 * (OpenAI/Anthropic SDK errors do), else the error's class name, else `_OTHER`.
 */
function errorType(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number') return String(status);
    const name = (err as { name?: unknown }).name;
    if (typeof name === 'string' && name) return name;
  }
  return '_OTHER';
}
