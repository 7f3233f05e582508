import type { Convention } from '../../core/llm-call.ts';
import { StatusCode, type Attributes, type Span } from '../span.ts';
import { VERCEL_CALL_OPERATIONS } from './vercel-ai.ts';

/**
 * `gen_ai.operation.name` values of an inference call (reference §1.2, §8). Everything else —
 * `embeddings`, `invoke_agent`, `agent_step`, `create_agent`, `execute_tool`, `retrieval`,
 * `invoke_workflow` — is a wrapper or not a completion, and counting it would double usage.
 */
const INFERENCE_OPERATIONS: ReadonlySet<string> = new Set([
  'chat',
  'text_completion',
  'generate_content',
  'completion',
]);

/** OpenLLMetry legacy `llm.request.type` values that are calls (not `embedding`, `rerank`). */
const OLL_CALL_TYPES: ReadonlySet<string> = new Set(['chat', 'completion']);

/** Keys only OpenLLMetry sets on an LLM span; checked by direct lookup. */
const OLL_MARKERS = [
  'llm.request.type',
  'gen_ai.prompt.0.role',
  'gen_ai.prompt.0.content',
  'gen_ai.completion.0.role',
  'gen_ai.completion.0.content',
  'gen_ai.usage.total_tokens',
  'llm.usage.total_tokens',
  'traceloop.workflow.name',
  'traceloop.entity.name',
  'traceloop.span.kind',
] as const;

/**
 * Whether an OTel-GenAI-looking LLM span was made by OpenLLMetry. Current Traceloop
 * instrumentations emit v1.37 attributes with no marker on the span unless a workflow is
 * active, so their scope name (`@traceloop/instrumentation-openai`) is the surest sign.
 * Only runs for spans already known to be LLM calls, so the final key scan is affordable.
 */
function isOpenLlmetry(span: Span): boolean {
  if (span.scope.name.startsWith('@traceloop/') || span.scope.name.startsWith('traceloop')) return true;
  const a = span.attributes;
  for (const key of OLL_MARKERS) if (a[key] !== undefined) return true;
  for (const key in a) if (key.startsWith('traceloop.')) return true;
  return false;
}

const genAiConvention = (span: Span): Convention => (isOpenLlmetry(span) ? 'openllmetry' : 'otel_genai');

/**
 * Spans without an operation name: v1.26 OTel GenAI, producers that only set the model, and
 * Semantic Kernel .NET (1.55+), whose chat span names only `gen_ai.response.model` and carries
 * its messages as `gen_ai.*` span events (a response model alone is not enough: agents set it).
 */
function byModelOnly(span: Span, a: Attributes): Convention | null {
  if (a['gen_ai.request.model'] !== undefined) return genAiConvention(span);
  if (a['llm.model_name'] !== undefined) return 'openinference';
  if (a['gen_ai.response.model'] !== undefined && span.events.some((e) => MESSAGE_EVENT.test(e.name)))
    return genAiConvention(span);
  return null;
}

const MESSAGE_EVENT = /^gen_ai\.(?:choice|(?:system|user|assistant|tool)\.message)$/;

/**
 * Producers that report one streamed call as two spans: a request span that ends when the
 * stream is handed back (no answer, no usage) and a separate record with the whole answer.
 * The request span is not counted; the record is the call. Keyed by the attribute naming the
 * span's message template (Logfire: `Chat Completion with …` then `streaming response from …`).
 */
const STREAM_SPLIT: ReadonlyArray<{ templateKey: string; answerTemplate: string; answerKeys: string[] }> = [
  {
    templateKey: 'logfire.msg_template',
    answerTemplate: 'streaming response from',
    answerKeys: [
      'gen_ai.output.messages',
      'response_data',
      'gen_ai.response.id',
      'gen_ai.usage.output_tokens',
    ],
  },
];

/** The request half of a call whose answer a producer reports in a separate record. */
function isStreamRequestHalf(span: Span): boolean {
  const a = span.attributes;
  for (const rule of STREAM_SPLIT) {
    const template = a[rule.templateKey];
    if (typeof template !== 'string' || template.startsWith(rule.answerTemplate)) continue;
    if (span.status.code === StatusCode.ERROR) return false;
    return rule.answerKeys.every((k) => a[k] === undefined);
  }
  return false;
}

/**
 * Every attribute key {@link classifySpan} decides on: a span with none of them is never a call,
 * so the decoder may skip the other attribute values of such spans. Keep in step with the
 * lookups below (a unit test checks every fixture call carries one).
 */
export const CLASSIFYING_KEYS: ReadonlySet<string> = new Set([
  'ai.operationId',
  'openinference.span.kind',
  'gen_ai.operation.name',
  'llm.request.type',
  'gen_ai.request.model',
  'llm.model_name',
  'gen_ai.response.model',
]);

/**
 * Decides from a handful of attribute lookups whether a span is an LLM call (inference), and by
 * which convention (reference §8, first row). Ordinary HTTP/DB spans fail every lookup and
 * return null without parsing or iterating anything.
 */
export function classifySpan(span: Span): Convention | null {
  const a = span.attributes;
  // Vercel legacy inner spans also carry gen_ai.system/gen_ai.request.model: the operation id decides.
  const aiOp = a['ai.operationId'];
  if (aiOp !== undefined)
    return typeof aiOp === 'string' && VERCEL_CALL_OPERATIONS.has(aiOp) ? 'vercel_ai' : null;
  const oiKind = a['openinference.span.kind'];
  if (oiKind !== undefined) return oiKind === 'LLM' ? 'openinference' : null;
  const op = a['gen_ai.operation.name'];
  if (op !== undefined) {
    if (typeof op !== 'string' || !INFERENCE_OPERATIONS.has(op)) return null;
    return isStreamRequestHalf(span) ? null : genAiConvention(span);
  }
  const reqType = a['llm.request.type'];
  if (reqType !== undefined)
    return typeof reqType === 'string' && OLL_CALL_TYPES.has(reqType) ? 'openllmetry' : null;
  return byModelOnly(span, a);
}
