import type { NormalisedCall } from '../conventions/index.ts';
import type { Span } from '../span.ts';
import { INHERITED_KEYS, inheritedOf, type Inherited } from './trace-index.ts';

const INHERITED = new Set(INHERITED_KEYS);

/** Whether a span that is not a call names an agent, conversation or user (its few kept keys are scanned). */
export function namesInherited(span: Span): boolean {
  for (const key in span.attributes) if (INHERITED.has(key)) return true;
  return false;
}

/**
 * Ancestors exported in the same request as their calls (the usual case for a short agent run)
 * are read there: the index records a trace's spans only once it has a call waiting. The spans
 * walked up to the last one that gave something are marked used, so a replay walks the same way.
 */
export function inheritFromBatch(calls: NormalisedCall[], spans: Span[], used: Uint8Array): void {
  let byId: Map<string, number> | undefined;
  for (const call of calls) {
    if (call.agent_name && call.conversation_id && call.user_id) continue;
    byId ??= new Map(spans.map((s, i) => [s.spanId, i]));
    let id = call.parent_span_id;
    const path: number[] = [];
    for (let hops = 0; id && hops < 64; hops++) {
      const i = byId.get(id);
      const span = i === undefined ? undefined : spans[i];
      if (i === undefined || !span || span.traceId !== call.trace_id) break;
      path.push(i);
      const from = inheritedOf(span.attributes);
      if (from.agent_name || from.conversation_id || from.user_id) {
        inheritInto(call, from);
        for (const j of path) used[j] = 1;
        path.length = 0;
      }
      id = span.parentSpanId;
    }
  }
}

/** Fills the agent, conversation and user a call's own span left empty from its ancestors. */
export function inheritInto(call: NormalisedCall, from: Inherited): void {
  if (!call.agent_name && from.agent_name) call.agent_name = from.agent_name;
  if (!call.conversation_id && from.conversation_id) call.conversation_id = from.conversation_id;
  if (!call.user_id && from.user_id) call.user_id = from.user_id;
}
