import { describe, expect, it } from 'vitest';
import { decodeTraces, sliceTraces } from './index.ts';
import { otlpType } from './proto-root.ts';
import { protobufTraces, sdkSpans } from '../../test/support/otlp-sdk-fixtures.ts';

const Request = otlpType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');

/** Two resources, three scopes, spans in each: built by protobufjs reflection from the .proto files. */
function twoResources(): Buffer {
  const span = (n: number, name: string) => ({
    traceId: Buffer.alloc(16, n),
    spanId: Buffer.alloc(8, n),
    name,
    startTimeUnixNano: '1767323045123456789',
    attributes: [{ key: 'k', value: { stringValue: `v${n}` } }],
  });
  return Buffer.from(
    Request.encode(
      Request.fromObject({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'a' } }] },
            schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
            scopeSpans: [
              { scope: { name: 's1', version: '1' }, spans: [span(1, 'a1'), span(2, 'a2')] },
              { scope: { name: 's2' }, spans: [span(3, 'a3')] },
            ],
          },
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'b' } }] },
            scopeSpans: [{ scope: { name: 's3' }, spans: [span(4, 'b1'), span(5, 'b2')] }],
          },
        ],
      }),
    ).finish(),
  );
}

describe('sliceTraces', () => {
  it('keeps exactly the marked spans, each under its own resource and scope, valid for the reference decoder', () => {
    const body = twoResources();
    const full = decodeTraces(body, 'protobuf');
    expect(full.items.map((s) => s.name)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
    const sliced = sliceTraces(body, full.layout!, Uint8Array.of(0, 1, 0, 0, 1));
    expect(sliced.length).toBeLessThan(body.length);

    const again = decodeTraces(sliced, 'protobuf');
    expect(again.items.map((s) => [s.name, s.resource.attributes['service.name'], s.scope.name])).toEqual([
      ['a2', 'a', 's1'],
      ['b2', 'b', 's3'],
    ]);
    expect(again.items[0]).toEqual(full.items[1]);
    expect(again.items[1]).toEqual(full.items[4]);

    // The official definitions read the same request: resources, schema URL and scopes kept, empty ones left out.
    const ref = Request.toObject(Request.decode(sliced)) as {
      resourceSpans: Array<{
        schemaUrl?: string;
        scopeSpans: Array<{ scope: { name: string }; spans: unknown[] }>;
      }>;
    };
    expect(ref.resourceSpans).toHaveLength(2);
    expect(ref.resourceSpans[0]!.schemaUrl).toBe('https://opentelemetry.io/schemas/1.26.0');
    expect(ref.resourceSpans[0]!.scopeSpans.map((s) => [s.scope.name, s.spans.length])).toEqual([['s1', 1]]);
    expect(ref.resourceSpans[1]!.scopeSpans.map((s) => [s.scope.name, s.spans.length])).toEqual([['s3', 1]]);
  });

  it('keeping every span of a real SDK export gives the same bytes; keeping none gives an empty request', () => {
    const body = protobufTraces(sdkSpans());
    const full = decodeTraces(body, 'protobuf');
    expect(full.items.length).toBeGreaterThan(1);
    expect(sliceTraces(body, full.layout!, new Uint8Array(full.items.length).fill(1)).equals(body)).toBe(
      true,
    );
    const none = sliceTraces(body, full.layout!, new Uint8Array(full.items.length));
    expect(none.length).toBe(0);
    expect(decodeTraces(none, 'protobuf').items).toEqual([]);
  });

  it('a span rejected by the decoder has no place in the layout, so the indexes stay those of the items', () => {
    const bad = Buffer.from(
      Request.encode(
        Request.fromObject({
          resourceSpans: [
            {
              scopeSpans: [
                {
                  spans: [
                    { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(4, 1), name: 'bad id' },
                    { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'good' },
                  ],
                },
              ],
            },
          ],
        }),
      ).finish(),
    );
    const decoded = decodeTraces(bad, 'protobuf');
    expect(decoded.rejected).toBe(1);
    expect(decoded.layout!.spanStart).toHaveLength(1);
    const sliced = sliceTraces(bad, decoded.layout!, Uint8Array.of(1));
    expect(decodeTraces(sliced, 'protobuf').items.map((s) => s.name)).toEqual(['good']);
  });
});
