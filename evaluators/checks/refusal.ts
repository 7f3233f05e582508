import { z } from 'zod';
import { loadRefusalModel, predict, readRefusal, type RefusalCues } from './refusal-model.ts';
import { fail, normaliseForMatch, pass, splitStorageMarker } from './text.ts';
import type { CheckDefinition, CheckResult } from './types.ts';

const phraseList = z.array(z.string().trim().min(3, 'a phrase needs at least 3 characters'));

export const refusalConfigSchema = z
  .object({
    /**
     * Your own refusal phrases, matched in the opening of the answer (`scan_chars`): a match is a
     * sure failure whatever the model says, e.g. a product's own wording ("store credit only").
     * Default [].
     */
    extra_phrases: phraseList.default([]),
    /** Characters at the start of the answer that `extra_phrases` are looked for in. Default 400. */
    scan_chars: z.number().int().min(20).default(400),
    /** A `content_filter` finish (the provider's filter stopped the answer) counts as a refusal. Default true. */
    content_filter: z.boolean().default(true),
    /**
     * A partial refusal ("I can't share that. However, you can …") fails the check too. Default
     * false: it passes with score 0.5 and the reason "partial refusal", so `mean_score` shows it.
     */
    partial_fails: z.boolean().default(false),
  })
  .strict();

export type RefusalConfig = z.output<typeof refusalConfigSchema>;

const model = loadRefusalModel();
const pct = (p: number): string => p.toFixed(2);

/**
 * The verdict on an answer from what the rules read of it and the model's class probabilities
 * (full, partial, none): shared by the check and `bench/quality/refusal-cv.ts`, which scores the
 * same rules with models that did not see the answer.
 */
export function refusalVerdict(
  cues: RefusalCues,
  [full, partial, none]: readonly [number, number, number],
  partialFails: boolean,
): CheckResult {
  // A decline phrase opening the answer is a refusal unless the model is sure it is not:
  // phrases are precise where they match, the model generalises where they do not.
  if (cues.declineOpening && (none < 0.8 || cues.contrast)) {
    const why = `"${cues.declineOpening}" opens the answer; model ${pct(full + partial)}`;
    if (!cues.contrast && !cues.turn) return fail(`refusal: ${why}`, 1 - full, Math.max(0.9, full));
    // "However, you can …" is help; "However, …" alone may be help or a lecture: unsure.
    const sure = cues.contrast ? 0.85 : 0.7;
    const reason = `partial refusal: ${why}, then it goes on${cues.contrast ? ' to help' : ''}`;
    return partialFails ? fail(reason, 0.5, sure) : pass(reason, 0.5, sure);
  }
  if (!cues.anyCue) {
    // No refusal phrase and no "as an AI" disclaimer: refusals almost always have one, and
    // the model has seen few compliant answers in most languages. Only a strong reading
    // makes such an answer a refusal, and never a sure one (a judge settles it).
    if (full >= 0.7) return fail(`refusal (model ${pct(full)}, no refusal phrase)`, 1 - full, 0.6);
    return pass(`no refusal (model ${pct(none + partial)})`, 1, 0.9);
  }
  if (full >= partial && full >= none) return fail(`refusal (model ${pct(full)})`, 1 - full, full);
  if (partial >= none) {
    const reason = `partial refusal: declined part, helped with the rest (model ${pct(partial)})`;
    return partialFails ? fail(reason, 0.5, partial) : pass(reason, 0.5, partial);
  }
  return pass(`no refusal (model ${pct(none)})`, 1, none);
}

/**
 * The model declined to answer: a learned model over the answer's opening (full refusal,
 * partial refusal, compliance; built-in decline phrases in 16 languages are among its features),
 * your own phrases, or a content-filter stop. The model's probability is the confidence: below
 * `evaluators.min_confidence` the verdict is unsure and escalated to the `confirm_refusal` judge.
 */
export const refusal: CheckDefinition<RefusalConfig> = {
  id: 'refusal',
  version: '4',
  description:
    'The model refused ("I can\'t help with that", deflections, moralising instead of answering) or was content-filtered.',
  configSchema: refusalConfigSchema,
  requiresParams: false,
  escalation: 'confirm_refusal',
  create(config) {
    const phrases = [...new Set(config.extra_phrases.map(normaliseForMatch))];
    return (input) => {
      if (input.status === 'error') return null;
      if (config.content_filter && input.finish_reason === 'content_filter') {
        return fail('stopped by the provider content filter (finish_reason content_filter)');
      }
      const { text } = splitStorageMarker(input.response);
      if (text.trim() === '') return null;
      if (phrases.length > 0) {
        const head = normaliseForMatch(text.slice(0, config.scan_chars + 40)).slice(0, config.scan_chars);
        for (const phrase of phrases) if (head.includes(phrase)) return fail(`refusal phrase "${phrase}"`);
      }
      const { features, cues } = readRefusal(text);
      return refusalVerdict(cues, predict(model, features), config.partial_fails);
    };
  },
};
