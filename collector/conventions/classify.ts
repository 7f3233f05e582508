import type { Convention } from '../../core/llm-call.ts';
import type { Span } from '../span.ts';
import { CONVENTIONS } from './registry.ts';

/**
 * Every attribute key a convention recognises its spans by: a span with none of them is never a
 * call, so the decoder may skip the other attribute values of such spans. Collected from the
 * conventions' own definitions (a unit test checks every fixture call carries one).
 */
export const CLASSIFYING_KEYS: ReadonlySet<string> = new Set(CONVENTIONS.flatMap((c) => c.recognise.keys));

/** Whether the span carries a classifying key: the span's own keys are fewer than the set's. */
function isMarked(span: Span): boolean {
  for (const key in span.attributes) if (CLASSIFYING_KEYS.has(key)) return true;
  return false;
}

/**
 * Decides whether a span is an LLM call (inference), and by which convention (reference §8,
 * first row): each convention in registry order is asked whether the span is its own; the first
 * that answers decides. Spans none claims are then offered to the conventions' fallbacks (spans
 * that name a model and little else). Ordinary HTTP/DB spans carry none of the classifying keys
 * and return null after those few lookups, without parsing or iterating anything.
 */
export function classifySpan(span: Span): Convention | null {
  if (!isMarked(span)) return null;
  for (const c of CONVENTIONS) {
    const claim = c.recognise.claim(span);
    if (claim !== undefined) return claim === 'call' ? c.id : null;
  }
  for (const c of CONVENTIONS) if (c.recognise.fallback?.(span) === 'call') return c.id;
  return null;
}
