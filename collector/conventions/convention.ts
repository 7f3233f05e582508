import type { Convention } from '../../core/llm-call.ts';
import type { Span } from '../span.ts';
import type { Content } from './messages.ts';

/** Reads message content from one place on a span; undefined when that place is empty. */
export type ContentSource = (span: Span) => Content | undefined;

/**
 * What the field table (`fields.ts`) cannot say about a convention: where its message content
 * lives and in which order to look, and whether content comes separately as log records.
 * Whether a span is a call at all is decided in `classify.ts` from a few attribute lookups.
 */
export interface ConventionDefinition {
  id: Convention;
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
