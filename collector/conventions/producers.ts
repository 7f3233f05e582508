import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One file of `testdata/producers/`: a span set a real producer emitted, copied from a public
 * test or recorded trace (its `source`), as an OTLP/JSON request, and the row each LLM call in
 * it must give (`calls`, in span order; empty when none of the spans is a call).
 */
export interface ProducerCase {
  producer: string;
  language: string;
  source: { repo: string; path: string; commit: string; test?: string; note?: string };
  /** An `ExportTraceServiceRequest` in OTLP/JSON. */
  request: unknown;
  /** Expected columns of `assay.llm_calls`, one object per call. */
  calls: Array<Record<string, unknown>>;
}

export const PRODUCERS_DIR = join(import.meta.dirname, 'testdata', 'producers');

/** Every corpus case, by file name, sorted. */
export function loadProducerCases(): Array<ProducerCase & { file: string }> {
  return readdirSync(PRODUCERS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      ...(JSON.parse(readFileSync(join(PRODUCERS_DIR, file), 'utf8')) as ProducerCase),
    }));
}
