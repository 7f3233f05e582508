import { contentFiltered } from './content-filtered.ts';
import { emptyResponse } from './empty-response.ts';
import { jsonSchema } from './json-schema.ts';
import { jsonValid } from './json-valid.ts';
import { languageMatch } from './language-match.ts';
import { lengthBounds } from './length-bounds.ts';
import { piiLeak } from './pii-leak.ts';
import { providerErrorText } from './provider-error-text.ts';
import { refusal } from './refusal.ts';
import { regex } from './regex.ts';
import { repetition } from './repetition.ts';
import { templateLeak } from './template-leak.ts';
import { toolCallValid } from './tool-call-valid.ts';
import { toolLoop } from './tool-loop.ts';
import { truncated } from './truncated.ts';
import type { CheckDefinition } from './types.ts';

/** Every cheap check, in the order they run on a call. Adding a check = one file + one line here. */
export const CHECKS: readonly CheckDefinition[] = [
  emptyResponse,
  providerErrorText,
  refusal,
  truncated,
  jsonValid,
  jsonSchema,
  languageMatch,
  repetition,
  lengthBounds,
  piiLeak,
  templateLeak,
  contentFiltered,
  toolCallValid,
  toolLoop,
  regex,
];

/** The check with this id, or undefined. */
export function findCheck(id: string): CheckDefinition | undefined {
  return CHECKS.find((c) => c.id === id);
}
