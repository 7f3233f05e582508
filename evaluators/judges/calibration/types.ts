import type { JudgeOutcome } from '../types.ts';

/** A golden item as a judge sees it: the stored prompt form, the answer, the reference if any. */
export interface CalibrationInput {
  prompt: string;
  response: string;
  reference?: string | undefined;
}

/** What calibration needs of the judges: which models and rubrics exist, and a judgement made now. */
export interface CalibrationTarget {
  readonly endpoints: ReadonlyArray<{ name: string; model: string }>;
  /** Every rubric (built-in and custom) with its stored version. */
  readonly rubrics: ReadonlyArray<{ id: string; evaluator: string; version: string }>;
  /**
   * Judges one input on the named endpoint with the rubric of `evaluator`, never from the cache
   * (a cached verdict would hide a judge that changed), under the spend cap and the endpoint's
   * limits; spend is booked in the shared ledger as for any judgement.
   */
  judgeWith(endpoint: string, evaluator: string, input: CalibrationInput): Promise<JudgeOutcome>;
}
