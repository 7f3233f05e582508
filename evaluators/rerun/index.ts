/**
 * Re-evaluation of stored calls (`assay evaluate`, issue 13): what the CLI composes. The calls are
 * read from `llm_calls` in key order, queued on the evaluation queue for the running workers, and
 * the run's cursor is kept in Redis so a run killed halfway resumes where it stopped.
 */
export { bullRerunQueue, RERUN_PRIORITY } from './queue.ts';
export {
  estimateJudgeSpend,
  evaluatorSet,
  judgeMarker,
  type EvaluatorSet,
  type SetMember,
  type SpendEstimate,
} from './evaluator-set.ts';
export { runId } from './run-id.ts';
export {
  createMemoryRunStore,
  createRedisRunStore,
  RunStateError,
  type RunState,
  type RunStore,
} from './run-state.ts';
export {
  runRerun,
  type RerunOptions,
  type RerunPlan,
  type RerunProgress,
  type RerunQueue,
  type RerunResult,
  type RerunSource,
} from './runner.ts';
export {
  countStrata,
  judgeCostPerScore,
  parseTimePoint,
  parseWhere,
  readPage,
  SelectionError,
  WHERE_KEYS,
  type RerunSelection,
  type StratumCount,
} from './selection.ts';
