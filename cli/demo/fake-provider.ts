import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake provider answers for one chat completion request. */
export interface FakeAnswer {
  content: string;
  finish_reason?: 'stop' | 'length' | 'content_filter' | 'tool_calls';
  /** Tool calls of the answer (arguments as the model wrote them); the finish reason defaults to `tool_calls`. */
  tool_calls?: Array<{ name: string; arguments: string }>;
  model?: string;
  prompt_tokens?: number;
  completion_tokens?: number;
}

export interface FakeOpenAi {
  /** Base URL to give an OpenAI client (`…/v1`). */
  baseURL: string;
  requests: Array<{ path: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * A local OpenAI-compatible server: `POST /v1/chat/completions` (plain and `stream: true` SSE)
 * and `POST /v1/responses`. It stands in for the LLM provider, the one part outside Assay.
 */
export async function startFakeOpenAi(
  answer: (body: Record<string, unknown>) => FakeAnswer = () => ({ content: 'Your refund was issued.' }),
): Promise<FakeOpenAi> {
  const requests: FakeOpenAi['requests'] = [];
  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
    } catch {
      res.writeHead(400).end('{"error":{"message":"bad json"}}');
      return;
    }
    const path = (req.url ?? '').split('?')[0] ?? '';
    requests.push({ path, body });
    const a = answer(body);
    const model = a.model ?? (typeof body['model'] === 'string' ? body['model'] : 'gpt-4o-mini');
    const usage = { prompt_tokens: a.prompt_tokens ?? 42, completion_tokens: a.completion_tokens ?? 7 };
    const id = `chatcmpl-${requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const toolCalls = a.tool_calls?.map((t, i) => ({
      index: i,
      id: `call_${requests.length}_${i}`,
      type: 'function',
      function: { name: t.name, arguments: t.arguments },
    }));
    const finish = a.finish_reason ?? (toolCalls?.length ? 'tool_calls' : 'stop');
    if (path.endsWith('/chat/completions') && body['stream'] === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null, extra: object = {}): void => {
        const data = {
          id,
          object: 'chat.completion.chunk',
          created,
          model,
          choices: [{ index: 0, delta, finish_reason: finish }],
          ...extra,
        };
        res.write(`data: ${JSON.stringify(data)}\n\n`);
      };
      chunk({ role: 'assistant', content: '' }, null);
      if (a.content) for (const word of a.content.split(/(?<= )/)) chunk({ content: word }, null);
      if (toolCalls?.length) chunk({ tool_calls: toolCalls }, null);
      chunk({}, finish, {
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      });
      res.end('data: [DONE]\n\n');
      return;
    }
    if (path.endsWith('/chat/completions')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: toolCalls?.length && !a.content ? null : a.content,
                ...(toolCalls?.length ? { tool_calls: toolCalls.map(({ index: _, ...t }) => t) } : {}),
              },
              finish_reason: finish,
            },
          ],
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
