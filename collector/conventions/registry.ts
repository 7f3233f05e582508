import type { Convention } from '../../core/llm-call.ts';
import type { ConventionDefinition } from './convention.ts';
import { genkit } from './genkit.ts';
import { openinference } from './openinference.ts';
import { openllmetry } from './openllmetry.ts';
import { otelGenai } from './otel-genai.ts';
import { vercelAi } from './vercel-ai.ts';

/**
 * Every convention Assay reads. Explicit on purpose: adding one is a line here. The order is
 * the order they are asked whether a span is theirs (`classify.ts`): Vercel's inner spans also
 * carry GenAI keys, OpenInference names its span kind, and OpenLLMetry's GenAI spans must be
 * told apart before plain OTel GenAI takes them. Genkit goes first: its `genkit:*` keys are its
 * own, and a span processor that adds `gen_ai.*` keys to Genkit's spans (a vendor's
 * `GenkitSpanProcessor`) must not make a flow a call or hide the model action's messages.
 */
export const CONVENTIONS: readonly ConventionDefinition[] = [
  genkit,
  vercelAi,
  openinference,
  openllmetry,
  otelGenai,
];

const byId = new Map<Convention, ConventionDefinition>(CONVENTIONS.map((c) => [c.id, c]));

export function conventionById(id: Convention): ConventionDefinition {
  const def = byId.get(id);
  if (!def) throw new Error(`no convention definition for ${id}`);
  return def;
}
