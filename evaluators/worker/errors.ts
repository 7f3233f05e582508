import { UnrecoverableError } from 'bullmq';

/** Why a job attempt failed; the `reason` label of `assay_jobs_failed_total` when it is given up. */
export type JobFailureReason =
  'bad_payload' | 'call_not_found' | 'writer_full' | 'clickhouse' | 'stalled' | 'other';

/** An attempt failure with a known reason; BullMQ retries it with backoff until `retry_for` has passed. */
export class JobAttemptError extends Error {
  override name = 'JobAttemptError';
  constructor(
    readonly reason: JobFailureReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A job given up for good (its dependencies stayed down past `retry_for`, or a bug kept failing
 * it): unrecoverable for BullMQ (it checks `instanceof UnrecoverableError`), with the reason it
 * is counted under.
 */
export class JobGivenUpError extends UnrecoverableError {
  constructor(
    readonly reason: JobFailureReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The reason label for an error thrown by the processor. */
export function failureReason(err: unknown): JobFailureReason {
  if (err instanceof JobAttemptError || err instanceof JobGivenUpError) return err.reason;
  if ((err as { name?: unknown } | undefined)?.name === 'UnrecoverableError') return 'bad_payload';
  return 'other';
}
