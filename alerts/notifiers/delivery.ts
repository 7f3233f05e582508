import { counter } from '../../core/metrics.ts';
import type { Logger } from '../../core/logger.ts';
import {
  backoffDelay,
  parseRetryAfter,
  sleep,
  type BackoffOptions,
  type ErrorClass,
} from '../../core/retry.ts';
import type { AlertNotice } from '../notices/notice.ts';
import { buildRequest, type ChannelConfig } from './index.ts';

/** One delivery attempt, as stored in `assay.alert_deliveries`. */
export interface DeliveryAttempt {
  timestamp: number;
  fingerprint: string;
  channel: string;
  channel_type: string;
  state: string;
  attempt: number;
  /** `delivered`, `retry` (will be tried again), `dropped` (permanent 4xx), `failed` (out of attempts). */
  outcome: 'delivered' | 'retry' | 'dropped' | 'failed';
  http_status: number;
  error: string;
}

export interface DeliveryDeps {
  logger: Logger;
  /** Called for every attempt (the alerter writes them to ClickHouse). */
  record?: (attempt: DeliveryAttempt) => void;
  fetch?: typeof fetch;
  now?: () => number;
  backoff?: BackoffOptions;
  /** Aborts waits and requests on shutdown. */
  signal?: AbortSignal;
}

const notifications = counter({
  name: 'assay_alert_notifications_total',
  help: 'Alert notification delivery attempts by channel and outcome',
  labelNames: ['channel', 'outcome'],
});

/** Longest wait honoured from a Retry-After header. */
const MAX_RETRY_AFTER_MS = 300_000;
const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 60_000 };

/** Webhook receivers: 2xx delivered; 429, 5xx retryable; 3xx and other 4xx permanent (Standard Webhooks ops). */
export function classifyStatus(status: number): ErrorClass | 'ok' {
  if (status >= 200 && status < 300) return 'ok';
  return status === 429 || status >= 500 ? 'retryable' : 'permanent';
}

/**
 * Sends one notice to one channel: retries 429/5xx/network errors with backoff (honouring
 * Retry-After) up to `max_attempts`, drops other 4xx with a logged reason, records each attempt.
 */
export async function deliver(
  channel: ChannelConfig,
  notice: AlertNotice,
  deps: DeliveryDeps,
): Promise<DeliveryAttempt> {
  const now = deps.now ?? Date.now;
  const doFetch = deps.fetch ?? fetch;
  let last: DeliveryAttempt | undefined;
  for (let attempt = 1; attempt <= channel.max_attempts; attempt++) {
    const req = buildRequest(channel, notice, { now: now() });
    let status = 0;
    let error = '';
    let retryAfter: number | undefined;
    try {
      const signal = AbortSignal.any([
        AbortSignal.timeout(channel.timeout),
        ...(deps.signal ? [deps.signal] : []),
      ]);
      const res = await doFetch(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal,
        redirect: 'manual',
      });
      status = res.status;
      retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      if (status >= 300) error = (await res.text().catch(() => '')).slice(0, 500);
      else await res.body?.cancel();
    } catch (err) {
      error = (err as Error).name === 'TimeoutError' ? 'timeout' : String((err as Error).message ?? err);
    }
    const cls = status ? classifyStatus(status) : 'retryable';
    const outcome =
      cls === 'ok'
        ? 'delivered'
        : cls === 'permanent'
          ? 'dropped'
          : attempt < channel.max_attempts
            ? 'retry'
            : 'failed';
    last = {
      timestamp: now(),
      fingerprint: notice.fingerprint,
      channel: channel.name,
      channel_type: channel.type,
      state: notice.status,
      attempt,
      outcome,
      http_status: status,
      error,
    };
    deps.record?.(last);
    notifications.inc({ channel: channel.name, outcome });
    if (outcome !== 'retry') {
      if (outcome !== 'delivered')
        deps.logger.warn({ channel: channel.name, status, error, attempt }, `alert notification ${outcome}`);
      return last;
    }
    if (deps.signal?.aborted) return last;
    const delay = Math.max(
      backoffDelay(attempt - 1, deps.backoff ?? DEFAULT_BACKOFF),
      Math.min(retryAfter ?? 0, MAX_RETRY_AFTER_MS),
    );
    await sleep(delay, deps.signal);
  }
  return last as DeliveryAttempt;
}

/** Background delivery: one bounded queue and one sender per channel, so channels never wait on each other. */
export interface Dispatcher {
  /** Queues the notice for the channel; never blocks (the oldest queued notice is dropped when full). */
  enqueue(channel: ChannelConfig, notice: AlertNotice): void;
  /** Resolves once every queued notice has been delivered or given up on. */
  idle(): Promise<void>;
  /** Waits up to `graceMs` for queues to drain, then aborts retries. Idempotent. */
  shutdown(graceMs?: number): Promise<void>;
}

export function createDispatcher(deps: Omit<DeliveryDeps, 'signal'>): Dispatcher {
  const abort = new AbortController();
  type Lane = { queue: AlertNotice[]; channel: ChannelConfig; running?: Promise<void> };
  const lanes = new Map<string, Lane>();
  let closed: Promise<void> | undefined;
  const run = async (lane: Lane) => {
    for (let next = lane.queue.shift(); next; next = lane.queue.shift()) {
      try {
        await deliver(lane.channel, next, { ...deps, signal: abort.signal });
      } catch (err) {
        deps.logger.error({ err, channel: lane.channel.name }, 'alert delivery crashed');
      }
    }
  };
  const kick = (lane: Lane) => {
    if (lane.running) return;
    lane.running = run(lane).finally(() => {
      lane.running = undefined;
      // A notice queued while the loop was finishing would otherwise wait for the next enqueue.
      if (lane.queue.length && !abort.signal.aborted) kick(lane);
    });
  };
  const idle = async (): Promise<void> => {
    for (;;) {
      const running: Promise<void>[] = [];
      for (const l of lanes.values()) if (l.running) running.push(l.running);
      if (!running.length) return;
      await Promise.all(running);
    }
  };
  return {
    enqueue(channel, notice) {
      if (closed) return;
      let lane = lanes.get(channel.name);
      if (!lane) lanes.set(channel.name, (lane = { queue: [], channel }));
      lane.channel = channel;
      if (lane.queue.length >= channel.queue_size) {
        lane.queue.shift();
        notifications.inc({ channel: channel.name, outcome: 'queue_full' });
      }
      lane.queue.push(notice);
      kick(lane);
    },
    idle,
    shutdown: (graceMs = 5000) =>
      (closed ??= (async () => {
        await Promise.race([idle(), sleep(graceMs)]);
        abort.abort();
        await idle();
      })()),
  };
}
