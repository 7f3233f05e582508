import { randomBytes } from 'node:crypto';

/** One LLM call to put in an OTLP/JSON request: an HTTP SERVER span with a GenAI CLIENT child. */
export interface SimCall {
  traceId?: string;
  service?: string;
  route?: string;
  provider?: string;
  model?: string;
  prompt?: string;
  answer?: string;
  finishReason?: string;
  inputTokens?: number;
  outputTokens?: number;
  /** `gen_ai.agent.name` on the LLM span. Default none. */
  agent?: string;
  /** `gen_ai.response.id` on the LLM span. Default none. */
  responseId?: string;
  /** Span start (ms since epoch). Default now. */
  startMs?: number;
  error?: boolean;
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });

/** An `ExportTraceServiceRequest` in OTLP/JSON with one server+LLM span pair per call. */
export function otlpJsonRequest(calls: SimCall[]): { body: string; spanIds: string[] } {
  const byService = new Map<string, object[]>();
  const spanIds: string[] = [];
  for (const c of calls) {
    const traceId = c.traceId ?? hex(16);
    const serverId = hex(8);
    const llmId = hex(8);
    spanIds.push(llmId);
    const start = c.startMs ?? Date.now();
    const ns = (ms: number): string => `${BigInt(Math.round(ms)) * 1_000_000n}`;
    const spans = byService.get(c.service ?? 'sim-service') ?? [];
    spans.push(
      {
        traceId,
        spanId: serverId,
        name: `POST ${c.route ?? '/api/chat'}`,
        kind: 2,
        startTimeUnixNano: ns(start),
        endTimeUnixNano: ns(start + 120),
        attributes: [str('http.route', c.route ?? '/api/chat'), str('http.request.method', 'POST')],
        status: {},
      },
      {
        traceId,
        spanId: llmId,
        parentSpanId: serverId,
        name: `chat ${c.model ?? 'gpt-4o-mini'}`,
        kind: 3,
        startTimeUnixNano: ns(start + 5),
        endTimeUnixNano: ns(start + 105),
        attributes: [
          str('gen_ai.operation.name', 'chat'),
          str('gen_ai.provider.name', c.provider ?? 'openai'),
          str('gen_ai.request.model', c.model ?? 'gpt-4o-mini'),
          ...(c.agent ? [str('gen_ai.agent.name', c.agent)] : []),
          ...(c.responseId ? [str('gen_ai.response.id', c.responseId)] : []),
          str('gen_ai.response.model', c.model ?? 'gpt-4o-mini'),
          int('gen_ai.usage.input_tokens', c.inputTokens ?? 120),
          int('gen_ai.usage.output_tokens', c.outputTokens ?? 40),
          {
            key: 'gen_ai.response.finish_reasons',
            value: { arrayValue: { values: [{ stringValue: c.finishReason ?? 'stop' }] } },
          },
          str(
            'gen_ai.input.messages',
            JSON.stringify([
              { role: 'user', parts: [{ type: 'text', content: c.prompt ?? 'Where is my refund?' }] },
            ]),
          ),
          str(
            'gen_ai.output.messages',
            JSON.stringify([
              {
                role: 'assistant',
                parts: [{ type: 'text', content: c.answer ?? 'Your refund was issued yesterday.' }],
                finish_reason: c.finishReason ?? 'stop',
              },
            ]),
          ),
        ],
        status: c.error ? { code: 2, message: 'upstream error' } : {},
      },
    );
    byService.set(c.service ?? 'sim-service', spans);
  }
  const resourceSpans = [...byService].map(([service, spans]) => ({
    resource: { attributes: [str('service.name', service)] },
    scopeSpans: [{ scope: { name: 'assay-test' }, spans }],
  }));
  return { body: JSON.stringify({ resourceSpans }), spanIds };
}

/** POSTs an OTLP/JSON body; resolves with the HTTP status (0 when the connection failed). */
export async function postTraces(baseUrl: string, body: string): Promise<number> {
  try {
    const res = await fetch(`${baseUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}
