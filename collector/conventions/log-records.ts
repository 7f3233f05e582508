import type { LogRecord } from '../span.ts';
import { contentFromEvent } from './events.ts';
import { toolCallsOf } from './tool-details.ts';
import { normaliseFinishReason } from './finish-reasons.ts';
import type { Message } from './messages.ts';
import type { NormalisedCall } from './normalise-span.ts';

/** Content one log record contributes to its span's call. */
export interface LogContent {
  system?: Message[];
  input?: Message[];
  output?: Message[];
  /** Raw finish reason from a `gen_ai.choice` body (normalised on merge). */
  finishReason?: string;
  /** Record time, to keep messages in the order they were emitted. */
  timeMs: number;
}

/**
 * Reads a GenAI event log record (`gen_ai.system.message`, `gen_ai.user.message`,
 * `gen_ai.assistant.message`, `gen_ai.tool.message`, `gen_ai.choice`; also the v1.37
 * `gen_ai.client.inference.operation.details` event) into message content for the span it
 * belongs to; null for other records. A record with an empty body (content capture off) still
 * counts: a `gen_ai.choice` without content tells that the answer's records have arrived.
 */
export function contentFromLogRecord(rec: LogRecord): LogContent | null {
  if (!rec.eventName.startsWith('gen_ai.')) return null;
  const c = contentFromEvent(rec.eventName, rec.body, rec.attributes);
  return c ? { ...c, timeMs: rec.timeMs } : null;
}

/**
 * Merges log-record content into a call that had none on the span: each of system, input and
 * output is filled only when the span left it empty, in record-time order (stable, so records
 * sharing one timestamp keep their arrival order).
 */
export function mergeLogContent(call: NormalisedCall, parts: Array<LogContent | null>): void {
  const sorted = parts.filter((p): p is LogContent => p !== null).sort((x, y) => x.timeMs - y.timeMs);
  const gather = (k: 'system' | 'input' | 'output'): Message[] => sorted.flatMap((p) => p[k] ?? []);
  if (call.system.length === 0) call.system = gather('system');
  if (call.input.length === 0) call.input = gather('input');
  if (call.output.length === 0) {
    call.output = gather('output');
    call.toolCalls = toolCallsOf(call.output);
  }
  if (call.finish_reason === '') {
    const reason = sorted.find((p) => p.finishReason)?.finishReason;
    if (reason) call.finish_reason = normaliseFinishReason(reason);
    if (call.finish_reason === 'content_filter') call.content_filter = 'filtered';
  }
}
