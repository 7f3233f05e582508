/** Why a job attempt failed; the `reason` label of `assay_jobs_failed_total` when it is given up. */
export type JobFailureReason =
  'bad_payload' | 'call_not_found' | 'writer_full' | 'clickhouse' | 'stalled' | 'other';

/** An attempt failure with a known reason; BullMQ retries it with backoff until attempts run out. */
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

/** The reason label for an error thrown by the processor. */
export function failureReason(err: unknown): JobFailureReason {
  if (err instanceof JobAttemptError) return err.reason;
  if ((err as { name?: unknown } | undefined)?.name === 'UnrecoverableError') return 'bad_payload';
  return 'other';
}
