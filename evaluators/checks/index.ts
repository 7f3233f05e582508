// The cheap checks: the registry, the compiled plan, and the types the worker and tests share.
export { CHECKS, findCheck } from './registry.ts';
export { createCheckPlan, CheckConfigError, type CheckPlan, type PlannedCheck } from './plan.ts';
export { isVerdict } from './types.ts';
export type {
  CheckDefinition,
  CheckDeps,
  CheckInput,
  CheckOutcome,
  CheckResult,
  NotApplicable,
  RelatedCall,
  RelatedCalls,
} from './types.ts';
export type { EvaluatorsConfig, EvaluatorRule } from './config.ts';
