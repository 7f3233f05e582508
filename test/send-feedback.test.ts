import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedbackError, sendFeedback } from '../instrument/index.ts';

// instrument/'s sendFeedback against a recording HTTP server standing in for the collector's
// POST /v1/scores: what it sends, how it retries 429/503 (Retry-After honoured), what it refuses.

type Reply = { status: number; body: object; headers?: Record<string, string> };
let replies: Reply[] = [];
const received: { auth?: string; body: { scores: Record<string, unknown>[] } }[] = [];
let server: Server;
let url = '';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      received.push({ auth: req.headers.authorization, body: JSON.parse(text) as { scores: [] } });
      const r = replies.shift() ?? { status: 200, body: { accepted: 1, stored: 1, waiting: 0 } };
      res
        .writeHead(r.status, { 'content-type': 'application/json', ...r.headers })
        .end(JSON.stringify(r.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('sendFeedback', () => {
  it('posts one feedback item with the token, and says whether its call was filed', async () => {
    received.length = 0;
    replies = [{ status: 200, body: { accepted: 1, stored: 0, waiting: 1 } }];
    const got = await sendFeedback(
      { traceId: TRACE, rating: 2, comment: 'slow and wrong' },
      { endpoint: url, headers: { authorization: 'Bearer k-123456' } },
    );
    expect(got).toBe('waiting');
    expect(received).toEqual([
      {
        auth: 'Bearer k-123456',
        body: { scores: [{ trace_id: TRACE, kind: 'feedback', rating: 2, comment: 'slow and wrong' }] },
      },
    ]);
  });

  it('retries 503 and 429, honouring Retry-After', async () => {
    received.length = 0;
    replies = [
      {
        status: 503,
        body: { error: 'scores could not be stored, retry later' },
        headers: { 'retry-after': '0' },
      },
      { status: 429, body: { error: 'busy' }, headers: { 'retry-after': '0' } },
    ];
    expect(await sendFeedback({ traceId: TRACE, thumbs: 'up' }, { endpoint: url })).toBe('filed');
    expect(received).toHaveLength(3);
  });

  it('gives up after its attempts with the last answer, and at once on a refusal', async () => {
    replies = Array.from({ length: 2 }, () => ({
      status: 503,
      body: { error: 'unavailable' },
      headers: { 'retry-after': '0' },
    }));
    await expect(
      sendFeedback({ traceId: TRACE, thumbs: 'up' }, { endpoint: url, attempts: 2 }),
    ).rejects.toThrow('feedback refused (503): unavailable');
    received.length = 0;
    replies = [{ status: 401, body: { error: 'missing or invalid bearer token' } }];
    const refused = sendFeedback({ traceId: TRACE, thumbs: 'up' }, { endpoint: url });
    await expect(refused).rejects.toBeInstanceOf(FeedbackError);
    await expect(refused).rejects.toMatchObject({ status: 401 });
    expect(received).toHaveLength(1);
    replies = [
      {
        status: 200,
        body: { accepted: 0, errors: [{ index: 0, reason: 'rating: must be between 1 and 5' }] },
      },
    ];
    await expect(sendFeedback({ traceId: TRACE, rating: 9 }, { endpoint: url })).rejects.toThrow(
      'feedback refused: rating: must be between 1 and 5',
    );
  });

  it('needs a trace: given, or the active span', async () => {
    await expect(sendFeedback({ thumbs: 'up' }, { endpoint: url })).rejects.toThrow(
      'no traceId given and no active span',
    );
  });
});
