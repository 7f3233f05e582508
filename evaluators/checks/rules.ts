import type { CheckDefinition } from './types.ts';
import { CHECKS, findCheck } from './registry.ts';

/** The parts of an `evaluators.rules[]` entry the check validation reads. */
export interface RuleChecks {
  checks: Record<string, Record<string, unknown> | null>;
  disable: string[];
}

/** One problem in the rules: where (relative to the `evaluators` section) and what. */
export interface RuleIssue {
  path: Array<string | number>;
  message: string;
}

const known = (): string => CHECKS.map((c) => c.id).join(', ');

/** Parses a check's parameters with its schema; issues carry paths relative to the parameters. */
export function parseParams(
  check: CheckDefinition,
  params: Record<string, unknown> | null,
): { ok: true; config: unknown } | { ok: false; issues: RuleIssue[] } {
  const result = check.configSchema.safeParse(params ?? {});
  if (result.success) return { ok: true, config: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((i) => ({
      path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
      message: i.message,
    })),
  };
}

/**
 * Every problem in the rules: unknown check ids (in `checks` and `disable`) and parameters that
 * their check's schema rejects (invalid JSON Schema, invalid regex, wrong types, unknown keys).
 */
export function ruleIssues(rules: readonly RuleChecks[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  rules.forEach((rule, i) => {
    for (const [id, params] of Object.entries(rule.checks)) {
      const at = ['rules', i, 'checks', id];
      const check = findCheck(id);
      if (!check) {
        issues.push({ path: at, message: `unknown check "${id}" (known: ${known()})` });
        continue;
      }
      const parsed = parseParams(check, params);
      if (!parsed.ok)
        for (const issue of parsed.issues)
          issues.push({ path: [...at, ...issue.path], message: issue.message });
    }
    rule.disable.forEach((id, j) => {
      if (!findCheck(id))
        issues.push({
          path: ['rules', i, 'disable', j],
          message: `unknown check "${id}" (known: ${known()})`,
        });
    });
  });
  return issues;
}

/** `evaluators.rules[0].checks.json_schema.schema` from a path array. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
