import { describe, expect, it } from 'vitest';
import { SpanKind, type Span } from '../span.ts';
import { TraceIndex } from './trace-index.ts';

const server = (traceId: string, route: string, spanId = 'a'.repeat(16)): Span => ({
  traceId,
  spanId,
  parentSpanId: '',
  name: `POST ${route}`,
  kind: SpanKind.SERVER,
  startTimeMs: 1000,
  endTimeMs: 2000,
  attributes: { 'http.route': route },
  events: [],
  status: { code: 0, message: '' },
  resource: { attributes: { 'service.name': 'shop' } },
  scope: { name: 'test', version: '' },
});

const trace = (i: number) => i.toString(16).padStart(32, '0');
const lookup = (index: TraceIndex, i: number) => index.routeFor(trace(i), 'a'.repeat(16), 1100, 1900);

describe('TraceIndex', () => {
  it('finds the route of the SERVER ancestor, also when it arrived before the call', () => {
    const index = new TraceIndex({ maxTraces: 10, ttlMs: 60_000, routeKeys: [] });
    index.observe(server(trace(1), '/api/refunds'), 0);
    expect(lookup(index, 1)).toEqual({ route: '/api/refunds', source: 'server_span' });
    expect(lookup(index, 2)).toBeNull();
  });

  it('evicts the oldest traces first when full, however many have cycled through', () => {
    const index = new TraceIndex({ maxTraces: 100, ttlMs: 60_000, routeKeys: [] });
    for (let i = 0; i < 10_000; i++) index.observe(server(trace(i), `/r/${i}`), 0);
    expect(index.size).toBe(100);
    expect(lookup(index, 9899)).toBeNull();
    expect(lookup(index, 9900)?.route).toBe('/r/9900');
    expect(lookup(index, 9999)?.route).toBe('/r/9999');
  });

  it('drops idle traces on sweep, and a trace seen again afterwards counts as new', () => {
    const index = new TraceIndex({ maxTraces: 3, ttlMs: 1000, routeKeys: [] });
    index.observe(server(trace(1), '/old'), 0);
    index.sweep(5000);
    expect(index.size).toBe(0);
    index.observe(server(trace(2), '/two'), 5000);
    index.observe(server(trace(3), '/three'), 5000);
    index.observe(server(trace(1), '/again'), 5000);
    // Full: a new trace evicts the oldest live one (2), not trace 1 by way of its swept past.
    index.observe(server(trace(4), '/four'), 5000);
    expect([1, 2, 3, 4].map((i) => lookup(index, i)?.route ?? null)).toEqual([
      '/again',
      null,
      '/three',
      '/four',
    ]);
  });
});
