import { z } from 'zod';
import type { LogContent } from '../conventions/index.ts';
import type { Inherited, SpanNode } from './trace-index.ts';

/**
 * What one collector leaves in the shared join store for the others, one JSON array per entry
 * (short, and cheap to write): a span node, or the content of one log record.
 *
 * ```
 * [0, span_id, parent_span_id, kind, root_name, start_ms, end_ms, endpoint, label, agent, conversation, user]
 * [1, span_id, key, content]
 * ```
 */
export type JoinEntry = { node: SpanNode } | { log: SharedLog };

/** A log record's content for the call of `spanId`; `key` tells a record read twice from a second one. */
export interface SharedLog {
  spanId: string;
  key: string;
  parts: LogContent;
}

export function encodeNode(n: SpanNode): string {
  const h = n.inherited;
  return JSON.stringify([
    0,
    n.spanId,
    n.parentSpanId,
    n.kind,
    n.parentSpanId === '' ? n.name : '',
    n.startTimeMs,
    n.endTimeMs,
    n.endpoint,
    n.label,
    h.agent_name ?? '',
    h.conversation_id ?? '',
    h.user_id ?? '',
  ]);
}

/** The key of a log record's content: the content itself (its time included). */
export const logKey = (parts: LogContent): string => JSON.stringify(parts);

export function encodeLog(spanId: string, parts: LogContent, key = logKey(parts)): string {
  return `[1,${JSON.stringify(spanId)},${JSON.stringify(key)},${key}]`;
}

const str = z.string();
const message = z.object({ role: str, content: str }).strict();
const contentSchema = z
  .object({
    system: z.array(message).optional(),
    input: z.array(message).optional(),
    output: z.array(message).optional(),
    finishReason: str.optional(),
    timeMs: z.number(),
  })
  .strict();
const nodeSchema = z.tuple([
  z.literal(0),
  str,
  str,
  z.number().int(),
  str,
  z.number(),
  z.number(),
  str,
  str,
  str,
  str,
  str,
]);
const logSchema = z.tuple([z.literal(1), str, str, contentSchema]);
const entrySchema = z.union([nodeSchema, logSchema]);

/** An entry read back from the store; undefined when it is not one (counted by the caller). */
export function decodeEntry(text: string): JoinEntry | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const e = parsed.data;
  if (e[0] === 1) {
    const parts = e[3];
    const content: LogContent = { timeMs: parts.timeMs };
    if (parts.system) content.system = parts.system;
    if (parts.input) content.input = parts.input;
    if (parts.output) content.output = parts.output;
    if (parts.finishReason !== undefined) content.finishReason = parts.finishReason;
    return { log: { spanId: e[1], key: e[2], parts: content } };
  }
  const [, spanId, parentSpanId, kind, name, startTimeMs, endTimeMs, endpoint, label, agent, conv, user] = e;
  const inherited: Inherited = {
    ...(agent ? { agent_name: agent } : {}),
    ...(conv ? { conversation_id: conv } : {}),
    ...(user ? { user_id: user } : {}),
  };
  return {
    node: {
      spanId,
      parentSpanId,
      kind,
      name,
      service: '',
      startTimeMs,
      endTimeMs,
      endpoint,
      label,
      inherited,
    },
  };
}
