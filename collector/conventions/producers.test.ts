import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../cli/config.ts';
import type { LlmCall } from '../../core/llm-call.ts';
import { silentLogger } from '../../core/logger.ts';
import { decodeTraces } from '../otlp/index.ts';
import { CollectorPipeline } from '../pipeline.ts';
import { loadProducerCases } from './producers.ts';

// The corpus of real producers (testdata/producers/): each request goes through the OTLP/JSON
// decoder and the collector pipeline as a POST would, and must give exactly the rows listed —
// one per LLM call, none for agent, tool, embedding or wrapper spans, and one for a stream that
// its producer reports as two spans.
const cases = loadProducerCases();
const pipelines: CollectorPipeline[] = [];
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((p) => p.shutdown()));
});

async function rows(request: unknown): Promise<LlmCall[]> {
  const stored: LlmCall[] = [];
  const p = new CollectorPipeline({
    config: parseConfig({ collector: { route: { wait: '10ms' } } }).collector,
    logger: silentLogger,
    price: () => null,
    redact: (s) => s,
    sink: {
      add: (r) => (stored.push(...r), { accepted: true, done: Promise.resolve() }),
      available: () => 1000,
    },
  });
  pipelines.push(p);
  p.acceptSpans(decodeTraces(new TextEncoder().encode(JSON.stringify(request)), 'json').items);
  await p.shutdown();
  return stored.sort((a, b) => a.timestamp - b.timestamp);
}

describe('producer corpus', () => {
  it('covers at least 25 producers and versions, each with its source', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    for (const c of cases) expect(c.source.commit, c.file).toMatch(/^[0-9a-f]{40}$/);
  });

  it.each(cases)('$file: $producer', async (c) => {
    const got = await rows(c.request);
    expect(got).toHaveLength(c.calls.length);
    got.forEach((row, i) => expect(row).toMatchObject(c.calls[i] ?? {}));
  });
});
