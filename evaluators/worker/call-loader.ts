import type { ClickHouseClient } from '@clickhouse/client';
import type { EvalJob } from '../../core/eval-job.ts';

/** The part of a stored call the evaluators read. */
export interface StoredCall {
  trace_id: string;
  span_id: string;
  prompt: string;
  response: string;
  finish_reason: string;
  status: 'ok' | 'error';
  output_tokens: number;
  conversation_id: string;
  agent_name: string;
  /** JSON array of the answer's tool calls, '' when none. */
  tool_calls: string;
  /** JSON array of the tools offered, '' when none. */
  tool_definitions: string;
  /** `filtered` or a guardrail's result, '' when none. */
  content_filter: string;
}

export interface CallLoader {
  /** The stored call for a job's key, or undefined when no row exists (yet). Rejects when ClickHouse fails. */
  load(job: Pick<EvalJob, 'trace_id' | 'span_id' | 'timestamp'>): Promise<StoredCall | undefined>;
  /** Sends what is pending now. */
  flush(): void;
}

export interface CallLoaderOptions {
  client: ClickHouseClient;
  database: string;
  /** Lookups are collected this long, then read in one query. */
  windowMs: number;
  /** Keys per query at most (they travel in the URL). */
  maxBatch: number;
}

interface Pending {
  key: string;
  timestamp: number;
  resolve: (call: StoredCall | undefined) => void;
  reject: (err: unknown) => void;
}

/** Slack around the jobs' call times in the lookup bound: it only needs to prune partitions. */
const SLACK_MS = 1000;

/**
 * Reads call text by key, many keys per query: concurrent jobs' lookups are gathered for a few
 * milliseconds and fetched with one bound-parameter query, filtered by the jobs' time range so
 * ClickHouse reads only their day partitions, and by trace id (bloom-filter index).
 */
export function createCallLoader(opts: CallLoaderOptions): CallLoader {
  let pending: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length) void fetchBatch(opts, batch);
  };

  return {
    load(job) {
      return new Promise((resolve, reject) => {
        pending.push({ key: `${job.trace_id}-${job.span_id}`, timestamp: job.timestamp, resolve, reject });
        if (pending.length >= opts.maxBatch) flush();
        else timer ??= setTimeout(flush, opts.windowMs);
      });
    },
    flush,
  };
}

async function fetchBatch(opts: CallLoaderOptions, batch: Pending[]): Promise<void> {
  try {
    let lo = Infinity;
    let hi = -Infinity;
    const traces = new Set<string>();
    for (const p of batch) {
      lo = Math.min(lo, p.timestamp);
      hi = Math.max(hi, p.timestamp);
      traces.add(p.key.slice(0, 32));
    }
    const rs = await opts.client.query({
      query: `SELECT trace_id, span_id, prompt, response, finish_reason, status, output_tokens,
          conversation_id, agent_name, tool_calls, tool_definitions, content_filter
        FROM ${opts.database}.llm_calls
        WHERE timestamp >= fromUnixTimestamp64Milli({lo:Int64}) AND timestamp <= fromUnixTimestamp64Milli({hi:Int64})
          AND trace_id IN {traces:Array(String)}`,
      query_params: { lo: lo - SLACK_MS, hi: hi + SLACK_MS, traces: [...traces] },
      format: 'JSONEachRow',
    });
    const byKey = new Map<string, StoredCall>();
    for (const row of await rs.json<StoredCall>()) byKey.set(`${row.trace_id}-${row.span_id}`, row);
    for (const p of batch) p.resolve(byKey.get(p.key));
  } catch (err) {
    for (const p of batch) p.reject(err);
  }
}
