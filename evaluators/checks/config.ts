import { z } from 'zod';
import { selectorSchema } from '../../core/selector.ts';
import { ruleIssues } from './rules.ts';

/** Parameters of one check in a rule; `{}` or empty (YAML null) = the check's defaults. */
const checkParamsSchema = z.record(z.string(), z.unknown()).nullable();

/** One rule of the `evaluators` section: which checks run, with which parameters, on which calls. */
export const evaluatorRuleSchema = z
  .object({
    /** Which calls the rule applies to (globs on service, provider, route, model). Absent → all calls. */
    match: selectorSchema.optional(),
    /**
     * Checks to run on matching calls, by id, with their parameters (validated against that
     * check's schema at load). A later matching rule overrides the parameters it names for the
     * same check (shallow merge). Default {}.
     */
    checks: z.record(z.string(), checkParamsSchema).default({}),
    /** Check ids not to run on matching calls (a later rule naming the check runs it again). Default []. */
    disable: z.array(z.string()).default([]),
  })
  .strict();

/**
 * The `evaluators` section: which cheap checks run on a sampled call. Owned by `evaluators/checks/`.
 */
export const evaluatorsConfigSchema = z
  .object({
    /**
     * Every check that needs no parameters (all but `json_schema` and `regex`) runs on every
     * sampled call with its default parameters, before rules apply. Default true.
     */
    defaults: z.boolean().default(true),
    /**
     * A check's verdict counts (as a pass or a failure, in `call_verdicts.failed` and in pass
     * rates) only when its confidence is at least this; below, it is stored as `unsure`,
     * escalated to a judge when one is configured for the call, and kept out of the rates.
     * Default 0.8.
     */
    min_confidence: z.number().min(0).max(1).default(0.8),
    /** Rules evaluated in order; every matching rule applies. Default [] (only the defaults). */
    rules: z.array(evaluatorRuleSchema).default([]),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    for (const issue of ruleIssues(cfg.rules))
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

export type EvaluatorsConfig = z.output<typeof evaluatorsConfigSchema>;
export type EvaluatorRule = z.output<typeof evaluatorRuleSchema>;
