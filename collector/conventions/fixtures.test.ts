import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTE_KEYS } from '../config.ts';
import { CLASSIFYING_KEYS, CONVENTIONS, classifySpan, normaliseSpan } from './index.ts';
import { spanOf, type Fixture } from '../../test/support/convention-fixtures.ts';

// Table test: every file in testdata/ is one span (real attribute sets as the instrumentations
// emit them) and what it must read as; `expect: null` means "not an LLM call".
const dir = join(import.meta.dirname, 'testdata');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, ...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Fixture) }));

describe('conventions fixtures', () => {
  it('has fixtures for every convention', () => {
    const conventions = new Set(fixtures.map((f) => f.expect?.['convention']).filter(Boolean));
    expect([...conventions].sort()).toEqual(CONVENTIONS.map((c) => c.id).sort());
  });

  // The decoder skips the attribute values of spans without a classifying key: that is only
  // safe if such a span can never be a call.
  it.each(fixtures.filter((f) => f.expect !== null))(
    '$file: is a call only because of its classifying keys',
    (f) => {
      const span = spanOf(f.span);
      expect(Object.keys(span.attributes).some((k) => CLASSIFYING_KEYS.has(k))).toBe(true);
      const stripped = Object.fromEntries(
        Object.entries(span.attributes).filter(([k]) => !CLASSIFYING_KEYS.has(k)),
      );
      expect(classifySpan({ ...span, attributes: stripped })).toBeNull();
    },
  );

  it.each(fixtures)('$file: $description', (f) => {
    const span = spanOf(f.span);
    const convention = classifySpan(span);
    if (f.expect === null) {
      expect(convention).toBeNull();
      return;
    }
    expect(convention).toBe(f.expect['convention'] ?? convention);
    expect(convention).not.toBeNull();
    const call = normaliseSpan(span, convention!, { routeKeys: DEFAULT_ROUTE_KEYS });
    expect(call).toMatchObject(f.expect);
    expect(call).toMatchObject({
      trace_id: span.traceId,
      span_id: span.spanId,
      parent_span_id: span.parentSpanId,
      timestamp: span.startTimeMs,
      duration_ms: 1250,
    });
  });
});
