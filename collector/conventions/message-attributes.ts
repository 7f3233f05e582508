import type { Attributes } from '../span.ts';
import { field, parseJson } from './attrs.ts';
import { fromOtelMessages, fromSystemInstructions, type Content } from './messages.ts';

/** v1.37+ message attributes (also on the `gen_ai.client.inference.operation.details` event). */
export function contentFromMessageAttributes(attrs: Attributes): Content | undefined {
  const input = attrs['gen_ai.input.messages'];
  const output = attrs['gen_ai.output.messages'];
  const system = attrs['gen_ai.system_instructions'];
  if (input === undefined && output === undefined && system === undefined) return undefined;
  const parsedOut = parseJson(output);
  const first = Array.isArray(parsedOut) ? field(parsedOut[0], 'finish_reason') : undefined;
  return {
    system: fromSystemInstructions(system),
    input: fromOtelMessages(input, 'user'),
    output: fromOtelMessages(parsedOut, 'assistant'),
    // Deprecated in the new repo in favour of gen_ai.response.finish_reasons (read first).
    finishReason: typeof first === 'string' && first ? first : undefined,
  };
}
