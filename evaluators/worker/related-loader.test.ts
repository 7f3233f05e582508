import type { ClickHouseClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { createRelatedLoader } from './related-loader.ts';

interface Query {
  query: string;
  query_params: Record<string, unknown>;
}

/** Answers the trace query with `trace` rows and the conversation query with `conversation` rows. */
function fakeClient(trace: object[], conversation: object[] = []) {
  const queries: Query[] = [];
  const client = {
    query: async (q: Query) => {
      queries.push(q);
      return { json: async () => (q.query.includes('conversation_id) IN') ? conversation : trace) };
    },
  } as unknown as ClickHouseClient;
  return { client, queries };
}

const t = (n: number) => n.toString(16).padStart(32, '0');
const row = (trace: string, span: number, ts: number, extra: object = {}) => ({
  trace_id: trace,
  span_id: span.toString(16).padStart(16, '0'),
  ts: String(ts),
  tool_calls: '[{"name":"a","arguments":"{}"}]',
  conversation_id: '',
  service: 'shop',
  ...extra,
});

describe('createRelatedLoader', () => {
  it('reads the traces of concurrent jobs with one query, each job getting its own trace', async () => {
    const { client, queries } = fakeClient([
      row(t(1), 1, 10_000),
      row(t(1), 2, 11_000),
      row(t(2), 3, 20_000),
    ]);
    const loader = createRelatedLoader({ client, database: 'assay', windowMs: 5, maxBatch: 100 });
    const [a, b] = await Promise.all([
      loader.load({ trace_id: t(1), timestamp: 11_000, service: 'shop' }, { conversation_id: '' }),
      loader.load({ trace_id: t(2), timestamp: 20_000, service: 'shop' }, { conversation_id: '' }),
    ]);
    expect(queries).toHaveLength(1);
    expect(queries[0]?.query_params).toMatchObject({
      traces: [t(1), t(2)],
      lo: 11_000 - 3_600_000,
      hi: 20_000 + 3_600_000,
    });
    expect(a?.trace.map((c) => [c.span_id.slice(-1), c.timestamp])).toEqual([
      ['1', 10_000],
      ['2', 11_000],
    ]);
    expect(b?.trace).toHaveLength(1);
    expect(a?.conversation).toEqual([]);
    expect(a?.truncated).toBe(false);
  });

  it('reads a conversation by (service, conversation id) and says when a list was cut', async () => {
    const conv = [1, 2, 3].map((i) => row(t(10 + i), i, i * 1000, { conversation_id: 'c-1' }));
    const { client, queries } = fakeClient([row(t(13), 3, 3000)], conv);
    const loader = createRelatedLoader({ client, database: 'assay', windowMs: 1, maxBatch: 10, maxCalls: 2 });
    const r = await loader.load(
      { trace_id: t(13), timestamp: 3000, service: 'shop' },
      { conversation_id: 'c-1' },
    );
    expect(queries).toHaveLength(2);
    expect(queries[1]?.query_params).toMatchObject({
      pairs: [expect.objectContaining({ values: ['shop', 'c-1'] })],
      services: ['shop'],
      limit: 3,
    });
    expect(r.conversation).toHaveLength(2);
    expect(r.truncated).toBe(true);
  });

  it('rejects every lookup of a batch whose query failed', async () => {
    const client = { query: async () => Promise.reject(new Error('down')) } as unknown as ClickHouseClient;
    const loader = createRelatedLoader({ client, database: 'assay', windowMs: 1, maxBatch: 1 });
    await expect(
      loader.load({ trace_id: t(1), timestamp: 1, service: 's' }, { conversation_id: '' }),
    ).rejects.toThrow('down');
  });
});
