import { z } from 'zod';
import { fail, pass } from './text.ts';
import type { CheckDefinition } from './types.ts';

/**
 * Guardrail results that mean the guardrail stepped in (lower case, as the collector stores
 * them): Bedrock's `GUARDRAIL_INTERVENED` / `BLOCK`, the OpenAI Agents SDK's tripwire, NeMo /
 * Guardrails AI style `blocked`, `fail`, `flagged`, `redacted`, `modified`.
 */
const INTERVENED = new Set([
  'guardrail_intervened',
  'intervened',
  'block',
  'blocked',
  'deny',
  'denied',
  'reject',
  'rejected',
  'fail',
  'failed',
  'flagged',
  'filtered',
  'redacted',
  'masked',
  'modified',
  'anonymized',
  'tripwire_triggered',
  'triggered',
  // Model Armor's filter_match_state; the collector's mark for a prompt Azure's filter stopped.
  'match_found',
  'prompt_filtered',
]);

/** Guardrail results that mean it let the call through. */
const ALLOWED = new Set([
  'none',
  'no_match_found',
  'pass',
  'passed',
  'allow',
  'allowed',
  'ok',
  'safe',
  'clean',
  'success',
]);

export const contentFilteredConfigSchema = z
  .object({
    /** Extra guardrail results (lower case) that count as the guardrail stepping in. Default []. */
    intervened_results: z.array(z.string().min(1)).default([]),
    /** Extra guardrail results (lower case) that count as letting the call through. Default []. */
    allowed_results: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type ContentFilteredConfig = z.output<typeof contentFilteredConfigSchema>;

/**
 * The provider's content filter or a guardrail stopped or changed the answer: a `content_filter`
 * finish (OpenAI and Azure `content_filter`, Anthropic `refusal`, Bedrock `guardrail_intervened`
 * / `content_filtered`, Gemini `SAFETY`, `RECITATION`, `BLOCKLIST`, `PROHIBITED_CONTENT`, `SPII`,
 * `IMAGE_SAFETY`, normalised by the collector) or a `gen_ai.guardrail.result` that intervened.
 * Every answered call gets a verdict, so "the provider silently filtered the answer" is a
 * failure rate per provider and route. A guardrail result it does not know is stored unsure.
 */
export const contentFiltered: CheckDefinition<ContentFilteredConfig> = {
  id: 'content_filtered',
  version: '1',
  description: 'The answer was not stopped or changed by a provider content filter or a guardrail.',
  configSchema: contentFilteredConfigSchema,
  requiresParams: false,
  create(config) {
    const intervened = new Set([...INTERVENED, ...config.intervened_results.map((s) => s.toLowerCase())]);
    const allowed = new Set([...ALLOWED, ...config.allowed_results.map((s) => s.toLowerCase())]);
    return (input) => {
      if (input.status === 'error') return null;
      const outcome = (input.content_filter ?? '').trim().toLowerCase();
      if (input.finish_reason === 'content_filter' || outcome === 'filtered')
        return fail(`the provider's content filter stopped the answer (finish reason content_filter)`);
      if (outcome === 'prompt_filtered')
        return fail(`the provider's content filter stopped the prompt (Azure prompt filter results)`);
      if (outcome === '' || allowed.has(outcome)) return pass('no content filter or guardrail intervened');
      if (intervened.has(outcome)) return fail(`a guardrail intervened (result "${outcome}")`);
      return fail(`unknown guardrail result "${outcome.slice(0, 60)}"`, 0.5, 0.5);
    };
  },
};
