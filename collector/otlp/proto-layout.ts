import { LEN, tag } from './proto-wire.ts';

/**
 * Where each decoded span sits in an `ExportTraceServiceRequest`'s bytes, so a subset of the
 * spans can be written out again as a valid request without re-encoding anything: the bytes
 * of the kept spans, of their scope and of their resource are copied as they came, and only
 * the two enclosing length prefixes are new. Ranges are `[start, end)` offsets of whole fields
 * (tag and length included) in the decoded (decompressed) body.
 */
export interface TraceLayout {
  /** Span `i` of the decode's items: its field's range and its ScopeSpans' index. */
  readonly spanStart: readonly number[];
  readonly spanEnd: readonly number[];
  readonly spanScope: readonly number[];
  /** Per ScopeSpans: its ResourceSpans' index and its other fields (scope, schema_url) as ranges. */
  readonly scopeResource: readonly number[];
  readonly scopeFields: readonly (readonly number[])[];
  /** Per ResourceSpans: its fields other than scope_spans (resource, schema_url) as ranges. */
  readonly resourceFields: readonly (readonly number[])[];
}

/** Filled by the protobuf decoder as it walks the request (a few array pushes per span). */
export class TraceLayoutBuilder implements TraceLayout {
  spanStart: number[] = [];
  spanEnd: number[] = [];
  spanScope: number[] = [];
  scopeResource: number[] = [];
  scopeFields: number[][] = [];
  resourceFields: number[][] = [];

  openResource(): void {
    this.resourceFields.push([]);
  }

  resourceField(start: number, end: number): void {
    this.resourceFields.at(-1)?.push(start, end);
  }

  openScope(): void {
    this.scopeResource.push(this.resourceFields.length - 1);
    this.scopeFields.push([]);
  }

  scopeField(start: number, end: number): void {
    this.scopeFields.at(-1)?.push(start, end);
  }

  span(start: number, end: number): void {
    this.spanStart.push(start);
    this.spanEnd.push(end);
    this.spanScope.push(this.scopeFields.length - 1);
  }
}

const REQUEST_RESOURCE_SPANS = tag(1, LEN);
const RS_SCOPE_SPANS = tag(2, LEN);

/** Bytes of a varint. */
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

const sumLengths = (parts: readonly Buffer[]): number => parts.reduce((n, p) => n + p.length, 0);

/**
 * A valid `ExportTraceServiceRequest` holding only the spans `keep` marks (by decode index),
 * each under its own resource and scope, bytes copied from `body`. Resources and scopes left
 * without a span are left out.
 */
export function sliceTraces(body: Uint8Array, layout: TraceLayout, keep: ArrayLike<number>): Buffer {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const bytes = (ranges: readonly number[], into: Buffer[]): void => {
    for (let i = 0; i < ranges.length; i += 2) into.push(buf.subarray(ranges[i], ranges[i + 1]));
  };
  const spansOfScope = new Map<number, Buffer[]>();
  for (let i = 0; i < layout.spanStart.length; i++) {
    if (!keep[i]) continue;
    const scope = layout.spanScope[i] as number;
    let parts = spansOfScope.get(scope);
    if (!parts) spansOfScope.set(scope, (parts = []));
    parts.push(buf.subarray(layout.spanStart[i], layout.spanEnd[i]));
  }
  const scopesOfResource = new Map<number, Buffer[]>();
  for (const [scope, spans] of [...spansOfScope].sort((a, b) => a[0] - b[0])) {
    const fields: Buffer[] = [];
    bytes(layout.scopeFields[scope] ?? [], fields);
    fields.push(...spans);
    const resource = layout.scopeResource[scope] as number;
    let parts = scopesOfResource.get(resource);
    if (!parts) scopesOfResource.set(resource, (parts = []));
    parts.push(Buffer.of(RS_SCOPE_SPANS), varint(sumLengths(fields)), ...fields);
  }
  const out: Buffer[] = [];
  for (const [resource, scopes] of [...scopesOfResource].sort((a, b) => a[0] - b[0])) {
    const fields: Buffer[] = [];
    bytes(layout.resourceFields[resource] ?? [], fields);
    fields.push(...scopes);
    out.push(Buffer.of(REQUEST_RESOURCE_SPANS), varint(sumLengths(fields)), ...fields);
  }
  return Buffer.concat(out);
}
