import type { Convention } from '../../core/llm-call.ts';
import type { Span } from '../span.ts';
import type { Content } from './messages.ts';

/** Reads message content from one place on a span; undefined when that place is empty. */
export type ContentSource = (span: Span) => Content | undefined;

/**
 * A convention's answer about one span: it is one of mine and a call (`'call'`), one of mine but
 * not a call (`'other'`: a wrapper, an embedding, a tool step), or not mine (`undefined`, the
 * next convention is asked).
 */
export type Claim = 'call' | 'other' | undefined;

/**
 * How a convention recognises its spans, from a few attribute lookups (the collector runs this
 * on every span, so an ordinary HTTP or DB span must fail in a handful of lookups).
 */
export interface Recogniser {
  /**
   * Every attribute key `claim` and `fallback` decide on. A span with none of any convention's
   * keys is never a call, so the decoder may skip its other attribute values.
   */
  keys: readonly string[];
  /** Decides from the convention's own marker keys (asked in registry order; the first answer wins). */
  claim(span: Span): Claim;
  /** Asked only when no convention claimed the span: spans that name a model and little else. */
  fallback?(span: Span): Claim;
}

/**
 * What the field table (`fields.ts`) cannot say about a convention: which spans are its calls,
 * where its message content lives and in which order to look, and whether content comes
 * separately as log records.
 */
export interface ConventionDefinition {
  id: Convention;
  /** Whether a span is this convention's, and a call. */
  recognise: Recogniser;
  /** Bumped when the mapping of existing spans changes. */
  version: number;
  /** Operation when the span names none (OpenInference, Vercel legacy). */
  defaultOperation: string;
  /** Content sources in precedence order; for each of system/input/output the first non-empty wins. */
  content: readonly ContentSource[];
  /** True when this span's content is expected in /v1/logs records rather than on the span. */
  contentInLogs(span: Span, found: Content): boolean;
}

/** Merges sources: each field from the first source that has it non-empty. */
export function collectContent(span: Span, sources: readonly ContentSource[]): Content {
  const out: Content = {};
  for (const source of sources) {
    if (out.input && out.output && out.system && out.finishReason !== undefined) break;
    const c = source(span);
    if (!c) continue;
    if (!out.system?.length && c.system?.length) out.system = c.system;
    if (!out.input?.length && c.input?.length) out.input = c.input;
    if (!out.output?.length && c.output?.length) out.output = c.output;
    if (out.finishReason === undefined && c.finishReason) out.finishReason = c.finishReason;
  }
  return out;
}
