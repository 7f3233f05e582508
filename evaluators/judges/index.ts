// The judges' public surface: the worker and the CLI import from here only.
export type {
  JudgeCache,
  JudgeDeps,
  JudgeInput,
  JudgeOutcome,
  JudgePlan,
  JudgeRunner,
  JudgeScore,
  SpendLedger,
} from './types.ts';
export { judgesConfigSchema, type JudgesConfig, type JudgesConfigInput } from './config.ts';
export { createJudgeRunner, JudgeSetupError } from './runner.ts';
export { createJudgePlan, judgeProbabilityFor, resolveJudgeRule } from './plan.ts';
export { createMemoryJudgeCache, createRedisJudgeCache, judgeCacheKey } from './cache.ts';
export { createMemorySpendLedger, createRedisSpendLedger } from './spend.ts';
export {
  memoryRateLimiters,
  redisRateLimiters,
  type RateLimiter,
  type RateLimiterFactory,
} from './rate-limiter.ts';
export {
  createCalibrationScheduler,
  judgeConfigHash,
  type CalibrationScheduler,
  type CalibrationTick,
} from './calibration/scheduler.ts';
export { goldenSetsFor, loadGoldenSet, GoldenSetError, type GoldenSet } from './calibration/golden.ts';
