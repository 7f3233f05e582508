/**
 * Understanding LLM spans: which spans are calls (`classifySpan`), their canonical fields and
 * message content (`normaliseSpan`), and content that arrives separately in log records.
 * Convention differences live in `fields.ts` (the key table) and one module per convention.
 */
export type { Convention } from '../../core/llm-call.ts';
export { CLASSIFYING_KEYS, classifySpan } from './classify.ts';
export { CONVENTIONS } from './registry.ts';
export type { ConventionDefinition, ContentSource } from './convention.ts';
export { FIELD_KEYS } from './fields.ts';
export { normaliseFinishReason } from './finish-reasons.ts';
export { contentFromLogRecord, mergeLogContent, type LogContent } from './log-records.ts';
export { flattenMessages, type Message } from './messages.ts';
export { normaliseSpan, type NormalisedCall } from './normalise-span.ts';
export { normaliseProvider } from './providers.ts';
