import type { ClickHouseClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import type { ScoreRow } from './rows.ts';
import { supersedeOlderVersions, type SupersededRow } from './supersede.ts';

const TRACE = 'ab'.repeat(16);
const SPAN = 'cd'.repeat(8);

const score = (version: string, scoredAt: number, over: Partial<ScoreRow> = {}): ScoreRow => ({
  timestamp: 1_000_000,
  trace_id: TRACE,
  span_id: SPAN,
  service: 'shop',
  provider: 'openai',
  model: 'm',
  route: '/chat',
  agent_name: '',
  tool: '',
  evaluator: 'refusal',
  evaluator_version: version,
  kind: 'check',
  score: 1,
  passed: 1,
  confidence: 1,
  outcome: 'pass',
  reason: '',
  judge_model: '',
  input_tokens: 0,
  output_tokens: 0,
  cost_usd: 0,
  sample_weight: 1,
  scored_at: scoredAt,
  ...over,
});

/** `llm_scores` and `llm_scores_superseded` as the hook reads and writes them. */
function fakeClickhouse(stored: ScoreRow[]) {
  const copies: SupersededRow[] = [];
  const tokens: string[] = [];
  const client = {
    query: async ({ query }: { query: string }) => ({
      json: async () =>
        query.includes('llm_scores_superseded')
          ? copies
          : stored.map((r) => ({ ...r, call_ms: String(r.timestamp), scored_ms: String(r.scored_at) })),
    }),
    insert: async (q: {
      values: SupersededRow[];
      clickhouse_settings: { insert_deduplication_token: string };
    }) => {
      copies.push(...q.values);
      tokens.push(q.clickhouse_settings.insert_deduplication_token);
    },
  } as unknown as ClickHouseClient;
  return { client, copies, tokens };
}

describe('supersedeOlderVersions', () => {
  it('copies the row a new version replaces, once, with what the rollups subtract', async () => {
    const ch = fakeClickhouse([score('1', 100)]);
    const hook = supersedeOlderVersions(ch.client, 'assay');
    const fresh = score('2', 200, { passed: 0, outcome: 'fail', score: 0 });
    await hook([fresh]);
    expect(ch.copies).toEqual([
      expect.objectContaining({
        evaluator_version: '1',
        outcome: 'pass',
        score: 1,
        superseded_by: '2',
        superseded_at: 200,
      }),
    ]);
    expect(Object.keys(ch.copies[0] ?? {})).not.toContain('reason');
    // The same batch retried: the copy is there, nothing is inserted again.
    await hook([fresh]);
    expect(ch.copies).toHaveLength(1);
  });

  it('after a crash between the score insert and the copy, the retried (all-duplicate) batch still copies', async () => {
    // The new row was stored, its copy was not: stored holds both versions.
    const ch = fakeClickhouse([score('1', 100), score('2', 200)]);
    await supersedeOlderVersions(ch.client, 'assay')([score('2', 300)]);
    expect(ch.copies.map((c) => c.evaluator_version)).toEqual(['1']);
  });

  it('does nothing for a first score, the same version again, or scores from outside Assay', async () => {
    const ch = fakeClickhouse([score('1', 100)]);
    const hook = supersedeOlderVersions(ch.client, 'assay');
    await hook([score('1', 200)]);
    await hook([score('7', 200, { kind: 'external' as ScoreRow['kind'], evaluator: 'thumbs' })]);
    expect(ch.copies).toEqual([]);
  });

  it('a third version replaces the second; the first, copied before, is not copied twice', async () => {
    const ch = fakeClickhouse([score('1', 100), score('2', 200)]);
    const hook = supersedeOlderVersions(ch.client, 'assay');
    await hook([score('2', 200)]);
    expect(ch.copies.map((c) => c.evaluator_version)).toEqual(['1']);
    await hook([score('3', 300)]);
    expect(ch.copies.map((c) => [c.evaluator_version, c.superseded_by])).toEqual([
      ['1', '2'],
      ['2', '3'],
    ]);
    expect(new Set(ch.tokens).size).toBe(2);
  });
});
