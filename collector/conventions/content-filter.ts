import type { Attributes, SpanEvent } from '../span.ts';
import { indexed, isRecord, parseJson } from './attrs.ts';
import { FIELD_KEYS, firstOf } from './fields.ts';

/**
 * True when an Azure OpenAI `content_filter_results` object says a category was filtered:
 * `{"hate": {"filtered": true, "severity": "high"}, "jailbreak": {"filtered": false, "detected":
 * false}, "custom_blocklists": {"filtered": false, "details": []}, …}` (older API versions list
 * blocklists as `[{"id", "filtered"}]`). Severities alone (annotate-only filters) are not a stop.
 */
function anyFiltered(results: unknown): boolean {
  const r = parseJson(results);
  if (!isRecord(r)) return false;
  return Object.values(r).some((v) => {
    if (isRecord(v)) return v['filtered'] === true;
    return Array.isArray(v) && v.some((e) => isRecord(e) && e['filtered'] === true);
  });
}

/**
 * Azure OpenAI's content filter results as OpenLLMetry's OpenAI instrumentation records them
 * (traceloop/openllmetry, packages/opentelemetry-instrumentation-openai: tests/traces/test_azure.py):
 * `gen_ai.completion.<i>.content_filter_results` per choice, `gen_ai.prompt.prompt_filter_results`
 * (`[{"prompt_index", "content_filter_results"}]`) and, for a prompt the filter rejected with a 400,
 * `gen_ai.prompt.prompt_error` (`{"innererror": {"code": "ResponsibleAIPolicyViolation",
 * "content_filter_result"}}`). `filtered` for a filtered answer, `prompt_filtered` for a filtered
 * prompt, else ''.
 */
function azureFilterOf(attrs: Attributes): string {
  if (indexed(attrs, 'gen_ai.completion.').some((c) => anyFiltered(c['content_filter_results'])))
    return 'filtered';
  const prompts = parseJson(attrs['gen_ai.prompt.prompt_filter_results']);
  if (
    Array.isArray(prompts) &&
    prompts.some((p) => anyFiltered(isRecord(p) ? p['content_filter_results'] : p))
  )
    return 'prompt_filtered';
  const inner = parseJson(attrs['gen_ai.prompt.prompt_error']);
  const innererror = isRecord(inner) ? inner['innererror'] : undefined;
  if (
    isRecord(innererror) &&
    (innererror['code'] === 'ResponsibleAIPolicyViolation' ||
      anyFiltered(innererror['content_filter_result']))
  )
    return 'prompt_filtered';
  return '';
}

/** A string, boolean or number attribute as lower-case text; '' for anything else. */
function scalar(v: unknown): string {
  if (typeof v === 'string') return v.trim().toLowerCase();
  return typeof v === 'boolean' || typeof v === 'number' ? String(v) : '';
}

/** Native "nothing happened" values: Bedrock's action `NONE`, Model Armor's `NO_MATCH_FOUND`. */
const NEUTRAL = new Set(['none', 'no_match_found']);

/**
 * The `gen_ai.guardrail.result` span events of the call (OTel GenAI guardrail conventions, in
 * development): `gen_ai.guardrail.result.type` and `.value` are the guardrail's native result,
 * e.g. Bedrock `action` = `GUARDRAIL_INTERVENED` | `NONE`, the OpenAI Agents SDK
 * `tripwire_triggered` = true | false, Model Armor `filter_match_state` = `MATCH_FOUND`. A
 * `severity` result is a score, not a verdict, and is not read (the conventions say not to infer
 * one). Of several events the first that is not a neutral value wins, lower case.
 */
function guardrailEventsOf(events: readonly SpanEvent[]): string {
  const values: string[] = [];
  for (const e of events) {
    if (e.name !== 'gen_ai.guardrail.result') continue;
    const type = scalar(e.attributes['gen_ai.guardrail.result.type']);
    const value = scalar(e.attributes['gen_ai.guardrail.result.value']);
    if (type === 'severity' || !value) continue;
    if (type === 'tripwire_triggered') values.push(value === 'true' ? 'tripwire_triggered' : 'none');
    else values.push(value);
  }
  return values.find((v) => !NEUTRAL.has(v)) ?? values[0] ?? '';
}

/**
 * The stored `content_filter` column: `filtered` when the answer was stopped by a content filter
 * (a `content_filter` finish, or Azure's results say so), `prompt_filtered` when Azure's filter
 * stopped the prompt, else a guardrail's recorded result (the `gen_ai.guardrail.result`
 * attribute, else its span events; lower case), else ''.
 */
export function contentFilterOf(
  attrs: Attributes,
  finishReason: string,
  events: readonly SpanEvent[] = [],
): string {
  if (finishReason === 'content_filter') return 'filtered';
  const azure = azureFilterOf(attrs);
  if (azure) return azure;
  const g = firstOf(attrs, FIELD_KEYS.guardrailResult, (v) => {
    const s = typeof v === 'string' ? v : typeof v === 'boolean' ? String(v) : '';
    return s.trim() ? s.trim().toLowerCase() : undefined;
  });
  return g ?? guardrailEventsOf(events);
}
