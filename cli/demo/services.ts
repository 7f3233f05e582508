import { SpanKind, SpanStatusCode, context, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import type { VirtualClock } from './clock.ts';
import type { DemoTool } from './conversations.ts';

/** One LLM-backed endpoint of a simulated service. */
export interface DemoRoute {
  route: string;
  provider: string;
  baseURL: string;
  model: string;
  questions: readonly string[];
  /** An agent route: the tools offered with every request, and the agent's name. */
  agent?: { name: string; tools: readonly DemoTool[] };
}

/**
 * A simulated service traced with the OpenTelemetry SDK and its OTLP/HTTP exporter: each
 * request is an HTTP SERVER span carrying `http.route`, with a GenAI-conventions CLIENT span for
 * the real `openai` SDK call to a (fake) provider inside it, content capture on. Spans are
 * stamped with the virtual clock so the demo can compress time.
 */
export class DemoService {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly clients = new Map<string, OpenAI>();
  private n = 0;

  constructor(
    readonly name: string,
    otlpUrl: string,
    private readonly routes: readonly DemoRoute[],
    private readonly clock: VirtualClock,
  ) {
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': name, 'deployment.environment.name': 'demo' }),
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces` }), {
          scheduledDelayMillis: 200,
          maxQueueSize: 20_000,
        }),
      ],
    });
    this.tracer = this.provider.getTracer('assay-demo');
  }

  /** Sends one request to every route. */
  async tick(): Promise<void> {
    await Promise.all(this.routes.map((r) => this.request(r)));
  }

  private async request(r: DemoRoute): Promise<void> {
    const start = this.clock.now();
    const question = r.questions[this.n++ % r.questions.length] as string;
    const server = this.tracer.startSpan(`POST ${r.route}`, {
      kind: SpanKind.SERVER,
      startTime: start,
      attributes: { 'http.route': r.route, 'http.request.method': 'POST', 'http.response.status_code': 200 },
    });
    const llm = this.tracer.startSpan(
      `chat ${r.model}`,
      {
        kind: SpanKind.CLIENT,
        startTime: start + 2,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': r.provider,
          'gen_ai.request.model': r.model,
          'server.address': new URL(r.baseURL).hostname,
          'gen_ai.input.messages': JSON.stringify([
            { role: 'system', parts: [{ type: 'text', content: 'You are a helpful support agent.' }] },
            { role: 'user', parts: [{ type: 'text', content: question }] },
          ]),
          ...(r.agent && {
            'gen_ai.agent.name': r.agent.name,
            'gen_ai.tool.definitions': JSON.stringify(r.agent.tools.map((t) => ({ type: 'function', ...t }))),
          }),
        },
      },
      trace.setSpan(context.active(), server),
    );
    const t0 = Date.now();
    try {
      const res = await this.client(r.baseURL).chat.completions.create({
        model: r.model,
        messages: [
          { role: 'system', content: 'You are a helpful support agent.' },
          { role: 'user', content: question },
        ],
        ...(r.agent && {
          tools: r.agent.tools.map((t) => ({ type: 'function' as const, function: { ...t } })),
        }),
      });
      const choice = res.choices[0];
      const toolCalls = (choice?.message.tool_calls ?? []).flatMap((c) =>
        c.type === 'function'
          ? [{ type: 'tool_call', id: c.id, name: c.function.name, arguments: c.function.arguments }]
          : [],
      );
      const content = choice?.message.content;
      llm.setAttributes({
        'gen_ai.response.model': res.model,
        'gen_ai.response.id': res.id,
        'gen_ai.response.finish_reasons': [choice?.finish_reason ?? 'stop'],
        'gen_ai.usage.input_tokens': res.usage?.prompt_tokens ?? 0,
        'gen_ai.usage.output_tokens': res.usage?.completion_tokens ?? 0,
        'gen_ai.output.messages': JSON.stringify([
          {
            role: 'assistant',
            parts: [
              ...(content || !toolCalls.length ? [{ type: 'text', content: content ?? '' }] : []),
              ...toolCalls,
            ],
            finish_reason: choice?.finish_reason ?? 'stop',
          },
        ]),
      });
    } catch (err) {
      llm.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      llm.setAttribute('error.type', (err as Error).name);
    }
    const latency = Date.now() - t0;
    llm.end(start + 2 + latency);
    server.end(start + 10 + latency);
  }

  private client(baseURL: string): OpenAI {
    let c = this.clients.get(baseURL);
    if (!c) {
      c = new OpenAI({ baseURL, apiKey: 'demo', maxRetries: 0 });
      this.clients.set(baseURL, c);
    }
    return c;
  }

  /** Exports every ended span now. */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** A running traffic loop: every service sends one request per route, then pauses. */
export interface Traffic {
  /** Stops after the round in flight. */
  stop(): Promise<void>;
}

export function startTraffic(services: readonly DemoService[], pauseMs = 100): Traffic {
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(services.map((s) => s.tick()));
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
