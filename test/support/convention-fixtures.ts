import type { Attributes, Span, SpanEvent } from '../../collector/span.ts';

/** One `testdata/*.json` file: a span as an instrumentation emits it, and what it must read as. */
export interface Fixture {
  description: string;
  span: {
    name: string;
    kind: number;
    scope: string;
    status: { code: number; message?: string };
    resource?: Attributes;
    attributes: Attributes;
    events: Array<Omit<SpanEvent, 'timeMs'>>;
  };
  expect: Record<string, unknown> | null;
}

/** The span a fixture describes, with fixed ids and a 1.25 s duration. */
export function spanOf(f: Fixture['span']): Span {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '00f067aa0ba902b7',
    name: f.name,
    kind: f.kind,
    startTimeMs: 1_760_000_000_000,
    endTimeMs: 1_760_000_001_250,
    attributes: f.attributes,
    events: f.events.map((e) => ({ ...e, timeMs: 1_760_000_000_500 })),
    status: { code: f.status.code, message: f.status.message ?? '' },
    resource: { attributes: f.resource ?? {} },
    scope: { name: f.scope, version: '' },
  };
}
