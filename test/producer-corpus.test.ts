import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProducerCases } from '../collector/conventions/producers.ts';
import { eventually, startTestAssay, type TestAssay } from './helpers/assay.ts';
import { postTraces } from './helpers/otlp-json.ts';

// The producer corpus posted over OTLP/JSON to a real collector writing to the embedded
// ClickHouse: each case's rows (by its own service.name) must be the ones its file lists.
const cases = loadProducerCases();
let assay: TestAssay;

/** The request with its times moved to now (the table's TTL drops rows of last year). */
function recent(request: unknown): string {
  const times = [...JSON.stringify(request).matchAll(/"startTimeUnixNano":"(\d+)"/g)].map((m) =>
    BigInt(m[1] ?? 0),
  );
  const first = times.reduce((a, b) => (b < a ? b : a), times[0] ?? 0n);
  const shift = BigInt(Date.now()) * 1_000_000n - first;
  return JSON.stringify(request, (key, v: unknown) =>
    /UnixNano$/.test(key) && typeof v === 'string' ? (BigInt(v) + shift).toString() : v,
  );
}

beforeAll(async () => {
  assay = await startTestAssay();
  for (const c of cases) expect(await postTraces(assay.collector.url, recent(c.request))).toBe(200);
}, 60_000);
afterAll(async () => {
  await assay?.shutdown();
});

describe('producer corpus over OTLP/JSON', () => {
  it('stores one right row per call of every producer, and none for the other spans', async () => {
    const expected = cases.reduce((n, c) => n + c.calls.length, 0);
    let seen = 0;
    await eventually(async () => {
      const [r] = await assay.rows<{ n: string }>(
        "SELECT count() AS n FROM assay.llm_calls WHERE startsWith(service, 'corpus-')",
      );
      seen = Number(r?.n);
      return seen >= expected ? true : undefined;
    }, 20_000).catch(async (err: Error) => {
      const by = await assay.rows('SELECT service, count() AS n FROM assay.llm_calls GROUP BY service');
      throw new Error(`${err.message}: ${seen} of ${expected} rows, ${JSON.stringify(by)}`);
    });
    await new Promise((r) => setTimeout(r, 500));
    for (const c of cases) {
      const got = await assay.rows<Record<string, unknown>>(
        'SELECT * FROM assay.llm_calls WHERE service = {s:String} ORDER BY timestamp',
        { s: c.file.replace(/\.json$/, '').replace(/^/, 'corpus-') },
      );
      expect(
        got.map((row) => ({
          ...row,
          input_tokens: Number(row['input_tokens']),
          output_tokens: Number(row['output_tokens']),
        })),
        c.file,
      ).toMatchObject(c.calls);
    }
  }, 60_000);
});
