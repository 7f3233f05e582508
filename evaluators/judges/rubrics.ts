import { createHash } from 'node:crypto';
import type { JudgesConfig } from './config.ts';
import { BUILT_IN_RUBRICS, JUDGE_SYSTEM_PROMPT, type RubricTemplate } from './rubric-templates.ts';

/** A rubric ready to render: its stored evaluator name and version, and what it needs from a call. */
export interface Rubric {
  id: string;
  /** `judge_<id>`, stored in `llm_scores.evaluator`. */
  evaluator: string;
  /** `<version>+<8 hex of sha256(system prompt, template)>`, stored as `evaluator_version`. */
  version: string;
  pass_threshold: number;
  template: string;
  /** The template uses `{{reference}}`: not applicable to calls without a reference. */
  needsReference: boolean;
  /** The template uses `{{context}}`: not applicable to calls without retrieved context. */
  needsContext: boolean;
}

/** What a template is rendered with; every value is already redacted and cut to size. */
export interface RubricVars {
  question: string;
  answer: string;
  reference?: string | undefined;
  context?: string | undefined;
}

const PLACEHOLDER = /\{\{\s*(question|answer|reference|context)\s*\}\}/g;

/** The stored evaluator name of a rubric. */
export const evaluatorOf = (rubricId: string): string => `judge_${rubricId}`;

/** The stored version: the declared one plus a short hash of the text the judge sees, so an edit shows. */
export function rubricVersion(version: string, template: string): string {
  const hash = createHash('sha256').update(JUDGE_SYSTEM_PROMPT).update('\0').update(template).digest('hex');
  return `${version}+${hash.slice(0, 8)}`;
}

function toRubric(t: RubricTemplate): Rubric {
  // A custom prompt that never shows the answer would be judged blind: append the question and answer.
  const template = /\{\{\s*answer\s*\}\}/.test(t.template)
    ? t.template
    : `${t.template}\n\n<question>\n{{question}}\n</question>\n\n<answer>\n{{answer}}\n</answer>`;
  return {
    id: t.id,
    evaluator: evaluatorOf(t.id),
    version: rubricVersion(t.version, template),
    pass_threshold: t.pass_threshold,
    template,
    needsReference: /\{\{\s*reference\s*\}\}/.test(template),
    needsContext: /\{\{\s*context\s*\}\}/.test(template),
  };
}

/** The built-in rubrics plus the custom ones of the config, by evaluator name (`judge_<id>`). */
export function buildRubrics(config: Pick<JudgesConfig, 'rubrics'>): ReadonlyMap<string, Rubric> {
  const custom: RubricTemplate[] = config.rubrics.map((r) => ({
    id: r.id,
    version: r.version,
    pass_threshold: r.pass_threshold,
    template: r.prompt,
  }));
  return new Map([...BUILT_IN_RUBRICS, ...custom].map((t) => [evaluatorOf(t.id), toRubric(t)]));
}

/** Why a rubric cannot judge a call, or undefined when it can. */
export function notApplicable(rubric: Rubric, vars: RubricVars): string | undefined {
  if (rubric.needsReference && !vars.reference?.trim()) return 'no reference answer';
  if (rubric.needsContext && !vars.context?.trim()) return 'no retrieved context';
  if (!vars.answer.trim()) return 'empty answer';
  return undefined;
}

/**
 * Renders a template in one pass, so text inside a value that looks like `{{question}}` is never
 * expanded again (an answer cannot inject another placeholder).
 */
export function renderRubric(rubric: Rubric, vars: RubricVars): string {
  return rubric.template.replace(PLACEHOLDER, (_m, name: keyof RubricVars) => vars[name] ?? '');
}
