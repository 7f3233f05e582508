/** A running part of Assay (collector, worker, alerter) that can be stopped. */
export interface Role {
  name: string;
  /** Stops intake, drains and flushes. Idempotent. */
  shutdown(): Promise<void>;
}
