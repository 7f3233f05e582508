import { TupleParam, type ClickHouseClient } from '@clickhouse/client';
import type { EvalJob } from '../../core/eval-job.ts';
import type { RelatedCall, RelatedCalls } from '../checks/index.ts';
import type { StoredCall } from './call-loader.ts';

export interface RelatedLoader {
  /** The calls of the job's trace (and conversation) stored now. Rejects when ClickHouse fails. */
  load(
    job: Pick<EvalJob, 'trace_id' | 'timestamp' | 'service'>,
    call: Pick<StoredCall, 'conversation_id'>,
  ): Promise<RelatedCalls>;
  /** Sends what is pending now. */
  flush(): void;
}

export interface RelatedLoaderOptions {
  client: ClickHouseClient;
  database: string;
  /** Lookups are gathered this long, then read with one query per kind. */
  windowMs: number;
  /** Traces (or conversations) per query at most. */
  maxBatch: number;
  /** Calls read per trace or conversation at most; more → `truncated`. Default 500. */
  maxCalls?: number;
  /** How far around the call's time its trace's and conversation's calls are looked for, ms. Default 1 h. */
  lookbackMs?: number;
}

interface Pending {
  trace: string;
  /** `service\u0000conversation`, '' without a conversation. */
  conversation: string;
  timestamp: number;
  resolve: (r: RelatedCalls) => void;
  reject: (err: unknown) => void;
}

/** `ts`, not `timestamp`: an alias named like a column would replace it in WHERE. */
type Row = Omit<RelatedCall, 'timestamp'> & { ts: number | string; conversation_id: string; service: string };

/**
 * Reads the other calls of a trace and of a conversation for `tool_loop`, many per query like the
 * call loader: by trace id (bloom-filter index) and by (service, conversation id) — `service`
 * leads the table's sort key — within ±`lookbackMs` of the jobs' calls, at most `maxCalls` per
 * trace or conversation (`LIMIT … BY`). Only calls already stored are seen: a trace still
 * arriving reads short, and the check treats its counts as lower bounds.
 */
export function createRelatedLoader(opts: RelatedLoaderOptions): RelatedLoader {
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
    load(job, call) {
      return new Promise((resolve, reject) => {
        const conversation = call.conversation_id ? `${job.service}\u0000${call.conversation_id}` : '';
        pending.push({ trace: job.trace_id, conversation, timestamp: job.timestamp, resolve, reject });
        if (pending.length >= opts.maxBatch) flush();
        else timer ??= setTimeout(flush, opts.windowMs);
      });
    },
    flush,
  };
}

const COLUMNS = `trace_id, span_id, toUnixTimestamp64Milli(timestamp) AS ts, tool_calls, conversation_id, service`;

async function fetchBatch(opts: RelatedLoaderOptions, batch: Pending[]): Promise<void> {
  const maxCalls = opts.maxCalls ?? 500;
  const lookback = opts.lookbackMs ?? 3_600_000;
  try {
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of batch) {
      lo = Math.min(lo, p.timestamp);
      hi = Math.max(hi, p.timestamp);
    }
    const params = { lo: lo - lookback, hi: hi + lookback, limit: maxCalls + 1 };
    const range = `timestamp >= fromUnixTimestamp64Milli({lo:Int64}) AND timestamp <= fromUnixTimestamp64Milli({hi:Int64})`;
    const traces = [...new Set(batch.map((p) => p.trace))];
    const conversations = [...new Set(batch.map((p) => p.conversation).filter(Boolean))].map((k) =>
      k.split('\u0000'),
    );
    const [byTrace, byConversation] = await Promise.all([
      read(
        opts,
        `SELECT ${COLUMNS} FROM ${opts.database}.llm_calls
          WHERE ${range} AND trace_id IN {traces:Array(String)}
          ORDER BY ts LIMIT {limit:UInt32} BY trace_id`,
        { ...params, traces },
      ),
      conversations.length
        ? read(
            opts,
            `SELECT ${COLUMNS} FROM ${opts.database}.llm_calls
              WHERE ${range} AND service IN {services:Array(String)}
                AND (service, conversation_id) IN {pairs:Array(Tuple(String, String))}
              ORDER BY ts LIMIT {limit:UInt32} BY service, conversation_id`,
            {
              ...params,
              services: [...new Set(conversations.map((c) => c[0]))],
              // A JS array is sent as an Array literal, which ClickHouse will not read as a Tuple.
              pairs: conversations.map((c) => new TupleParam(c)),
            },
          )
        : Promise.resolve([]),
    ]);
    const traceCalls = group(byTrace, (r) => r.trace_id);
    const conversationCalls = group(byConversation, (r) => `${r.service}\u0000${r.conversation_id}`);
    for (const p of batch) {
      const trace = traceCalls.get(p.trace) ?? [];
      const conversation = p.conversation ? (conversationCalls.get(p.conversation) ?? []) : [];
      p.resolve({
        trace: trace.slice(0, maxCalls),
        conversation: conversation.slice(0, maxCalls),
        truncated: trace.length > maxCalls || conversation.length > maxCalls,
      });
    }
  } catch (err) {
    for (const p of batch) p.reject(err);
  }
}

async function read(
  opts: RelatedLoaderOptions,
  query: string,
  params: Record<string, unknown>,
): Promise<Row[]> {
  const rs = await opts.client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return rs.json<Row>();
}

function group(rows: Row[], key: (r: Row) => string): Map<string, RelatedCall[]> {
  const out = new Map<string, RelatedCall[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k) ?? [];
    list.push({
      trace_id: r.trace_id,
      span_id: r.span_id,
      timestamp: Number(r.ts),
      tool_calls: r.tool_calls,
    });
    out.set(k, list);
  }
  return out;
}
