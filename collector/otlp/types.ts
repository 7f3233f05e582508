/** The two OTLP/HTTP body encodings (`application/x-protobuf`, `application/json`). */
export type OtlpEncoding = 'protobuf' | 'json';

/** The OTLP signals Assay receives. */
export type OtlpSignal = 'traces' | 'logs';

/**
 * What a decoder made of one request. Items that were structurally invalid (a span whose
 * trace id is not 16 bytes, a missing span id…) are skipped and counted in `rejected`, for
 * OTLP `partial_success`: one bad span must not cost its neighbours.
 */
export interface DecodeResult<T> {
  items: T[];
  /** Items skipped as invalid. */
  rejected: number;
  /** Up to {@link MAX_ERRORS} distinct human-readable reasons (rejects and dropped attributes). */
  errors: string[];
  /** Attributes dropped because their value had the wrong type (JSON only; the item was kept). */
  droppedAttributes: number;
}

/** Distinct error messages kept per request: enough to debug an exporter, bounded for huge bad batches. */
export const MAX_ERRORS = 5;

/** Mutable state of one decode, shared by the helpers that fill it. */
export class DecodeCollector<T> implements DecodeResult<T> {
  items: T[] = [];
  rejected = 0;
  errors: string[] = [];
  droppedAttributes = 0;

  reject(reason: string): void {
    this.rejected++;
    this.note(reason);
  }

  dropAttribute(reason: string): void {
    this.droppedAttributes++;
    this.note(reason);
  }

  private note(reason: string): void {
    if (this.errors.length < MAX_ERRORS && !this.errors.includes(reason)) this.errors.push(reason);
  }

  result(): DecodeResult<T> {
    return {
      items: this.items,
      rejected: this.rejected,
      errors: this.errors,
      droppedAttributes: this.droppedAttributes,
    };
  }
}

/**
 * Which span attributes the caller reads, so the protobuf decoder can skip the values of the
 * rest: most spans in a trace are not LLM calls, and of those only a few keys matter.
 * A span carrying any `marks` key gets every attribute; any other span only the `keeps` keys.
 * Without a selection every attribute of every span is decoded.
 */
export interface SpanSelection {
  /** Keys whose presence may make a span interesting (all its attributes are then decoded). */
  marks: ReadonlySet<string>;
  /** Keys decoded on every span. */
  keeps: ReadonlySet<string>;
}
