import type { ClickHouseClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { createCallLoader } from '../worker/call-loader.ts';
import { dropStoredDuplicates } from './dedupe.ts';

interface Query {
  query: string;
  query_params: { lo: number; hi: number; traces: string[] };
}

/** A ClickHouse stand-in that answers every SELECT with `rows` and records the queries. */
function fakeClient(rows: (q: Query) => object[]) {
  const queries: Query[] = [];
  const client = {
    query: async (q: Query) => {
      queries.push(q);
      return { json: async () => rows(q) };
    },
  } as unknown as ClickHouseClient;
  return { client, queries };
}

const t = (n: number) => n.toString(16).padStart(32, '0');
const row = (trace: string, evaluator: string, timestamp = 1000) => ({
  timestamp,
  trace_id: trace,
  span_id: 's1',
  evaluator,
});

describe('dropStoredDuplicates', () => {
  it('drops rows already stored and duplicates within the batch, with one bounded query', async () => {
    const { client, queries } = fakeClient(() => [{ trace_id: t(1), span_id: 's1', evaluator: 'refusal' }]);
    const hook = dropStoredDuplicates(client, 'assay.llm_scores', 'llm_scores', true);
    const out = await hook([
      row(t(1), 'refusal', 5000),
      row(t(1), 'json_valid', 9000),
      row(t(1), 'json_valid', 9000),
    ]);
    expect(out.map((r) => r.evaluator)).toEqual(['json_valid']);
    expect(queries).toHaveLength(1);
    expect(queries[0]?.query_params).toEqual({ lo: 4000, hi: 10_000, traces: [t(1)] });
  });

  it('keys scores by evaluator version too: a new version of a stored evaluator is written, the same one is not', async () => {
    const { client, queries } = fakeClient(() => [
      { trace_id: t(4), span_id: 's1', evaluator: 'refusal', evaluator_version: '2' },
    ]);
    const hook = dropStoredDuplicates(client, 'assay.llm_scores', 'llm_scores', true);
    const out = await hook([
      { ...row(t(4), 'refusal'), evaluator_version: '2' },
      { ...row(t(4), 'refusal'), evaluator_version: '3' },
      { ...row(t(4), 'refusal'), evaluator_version: '3' },
    ]);
    expect(out.map((r) => r.evaluator_version)).toEqual(['3']);
    expect(queries[0]?.query).toContain('evaluator_version');
  });

  it('verdict mode keys by call only', async () => {
    const { client } = fakeClient(() => [{ trace_id: t(2), span_id: 's1' }]);
    const hook = dropStoredDuplicates(client, 'assay.call_verdicts', 'call_verdicts', false);
    const out = await hook([row(t(2), ''), row(t(3), '')]);
    expect(out.map((r) => r.trace_id)).toEqual([t(3)]);
  });

  it('splits many traces into several short queries (ids travel in the URL)', async () => {
    const { client, queries } = fakeClient(() => []);
    const hook = dropStoredDuplicates(client, 'assay.llm_scores', 'llm_scores', true);
    const rows = Array.from({ length: 450 }, (_, i) => row(t(i), 'refusal'));
    expect(await hook(rows)).toHaveLength(450);
    expect(queries.map((q) => q.query_params.traces.length)).toEqual([200, 200, 50]);
  });
});

describe('createCallLoader', () => {
  it('reads concurrent lookups with one query and answers undefined for missing keys', async () => {
    const { client, queries } = fakeClient(() => [
      {
        trace_id: t(1),
        span_id: 'aa',
        prompt: 'p',
        response: 'r',
        finish_reason: 'stop',
        status: 'ok',
        output_tokens: 3,
      },
    ]);
    const loader = createCallLoader({ client, database: 'assay', windowMs: 5, maxBatch: 100 });
    const [a, b] = await Promise.all([
      loader.load({ trace_id: t(1), span_id: 'aa', timestamp: 10_000 }),
      loader.load({ trace_id: t(2), span_id: 'bb', timestamp: 20_000 }),
    ]);
    expect(a?.response).toBe('r');
    expect(b).toBeUndefined();
    expect(queries).toHaveLength(1);
    expect(queries[0]?.query_params).toEqual({ lo: 9000, hi: 21_000, traces: [t(1), t(2)] });
  });

  it('rejects every lookup of a batch whose query failed', async () => {
    const client = { query: async () => Promise.reject(new Error('down')) } as unknown as ClickHouseClient;
    const loader = createCallLoader({ client, database: 'assay', windowMs: 1, maxBatch: 1 });
    await expect(loader.load({ trace_id: t(1), span_id: 'aa', timestamp: 1 })).rejects.toThrow('down');
  });
});
