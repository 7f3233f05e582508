import { TupleParam, type ClickHouseClient } from '@clickhouse/client';
import type { Dimensions } from '../../core/selector.ts';
import type { TranscriptCall } from './transcript.ts';

/** A stored call of a conversation, in time order. */
export interface ConversationCall extends TranscriptCall {
  trace_id: string;
  ts: number;
}

/** A closed conversation to judge, with its calls (the latest `max_turns`, oldest first). */
export interface ClosedConversation {
  conversationId: string;
  /** The service's, and the last call's provider, model and route. */
  dims: Dimensions;
  /** The last agent named by a call of the conversation ('' when none). */
  agentName: string;
  lastTs: number;
  calls: ConversationCall[];
  /** 1/p of the conversation's calls (their `call_verdicts.sample_weight`), 1 when none is stored. */
  callWeight: number;
  /** Rubric versions already stored for it (a run cut short by a failed write wrote none or all). */
  done: string[];
}

export interface ClosedQuery {
  /** Calls older than this are not looked at (epoch ms). */
  lo: number;
  /** A conversation whose last call is older than this is closed (epoch ms). */
  closedBefore: number;
  /** The rubric versions a conversation must have rows for to count as judged. */
  versions: readonly string[];
  sampleRate: number;
  limit: number;
  maxTurns: number;
}

const ms = (p: string): string => `fromUnixTimestamp64Milli({${p}:Int64})`;

interface Candidate {
  service: string;
  conversation_id: string;
  last_ts: number | string;
}
interface CallRow extends ConversationCall {
  service: string;
  conversation_id: string;
  provider: string;
  model: string;
  route: string;
  agent_name: string;
  span_id: string;
}

/**
 * The closed, sampled conversations not yet judged under `versions`, oldest first, with their calls.
 * Closed: no call of it (within the service) in the last `idle_timeout`. Sampled: a call of it was
 * queued for evaluation (the sampler draws per conversation, so all its calls share the draw), and
 * its (service, conversation id) hash falls under `sampleRate`. Bounded: `limit` conversations,
 * `maxTurns` calls each, calls since `lo - (closedBefore - lo)` only.
 */
export async function loadConversations(
  client: ClickHouseClient,
  database: string,
  q: ClosedQuery,
): Promise<ClosedConversation[]> {
  const db = database;
  const candidates = await rows<Candidate>(
    client,
    `SELECT service, conversation_id, toUnixTimestamp64Milli(max(timestamp)) AS last_ts
     FROM ${db}.llm_calls
     WHERE timestamp >= ${ms('lo')} AND conversation_id != ''
     GROUP BY service, conversation_id
     HAVING max(timestamp) < ${ms('closed')} AND max(sampled) = 1
       AND sipHash64(service, conversation_id) % 1000000 < {ppm:UInt32}
       AND (service, conversation_id) NOT IN (
         SELECT service, conversation_id FROM ${db}.conversation_scores
         WHERE timestamp >= ${ms('lo')} AND evaluator_version IN {versions:Array(String)}
         GROUP BY service, conversation_id HAVING uniqExact(evaluator_version) >= {nv:UInt32})
     ORDER BY last_ts LIMIT {limit:UInt32}`,
    {
      lo: q.lo,
      closed: q.closedBefore,
      ppm: Math.round(q.sampleRate * 1_000_000),
      versions: q.versions,
      nv: q.versions.length,
      limit: q.limit,
    },
  );
  if (candidates.length === 0) return [];
  // A JS array is sent as an Array literal, not a Tuple: pairs need TupleParam.
  const pairs = candidates.map((c) => new TupleParam([c.service, c.conversation_id]));
  const services = [...new Set(candidates.map((c) => c.service))];
  const span = { lo: q.lo - (q.closedBefore - q.lo), hi: q.closedBefore, pairs, services };
  const inPairs = `service IN {services:Array(String)} AND (service, conversation_id) IN {pairs:Array(Tuple(String, String))}`;
  const [calls, weights, done] = await Promise.all([
    rows<CallRow>(
      client,
      `SELECT service, conversation_id, trace_id, span_id, toUnixTimestamp64Milli(timestamp) AS ts,
              provider, model, route, agent_name, status, error_type, prompt, response, tool_calls
       FROM ${db}.llm_calls
       WHERE timestamp >= ${ms('lo')} AND timestamp < ${ms('hi')} AND ${inPairs}
       ORDER BY ts DESC LIMIT {limit:UInt32} BY service, conversation_id`,
      { ...span, limit: 2 * q.maxTurns },
    ),
    rows<{ service: string; conversation_id: string; w: number }>(
      client,
      `SELECT service, conversation_id, max(sample_weight) AS w FROM ${db}.call_verdicts
       WHERE timestamp >= ${ms('lo')} AND ${inPairs} GROUP BY service, conversation_id`,
      span,
    ),
    rows<{ service: string; conversation_id: string; versions: string[] }>(
      client,
      `SELECT service, conversation_id, groupUniqArray(evaluator_version) AS versions
       FROM ${db}.conversation_scores
       WHERE timestamp >= ${ms('lo')} AND ${inPairs} GROUP BY service, conversation_id`,
      span,
    ),
  ]);
  const key = (r: { service: string; conversation_id: string }): string =>
    `${r.service}\u0000${r.conversation_id}`;
  const byConversation = new Map<string, CallRow[]>();
  const seen = new Set<string>();
  for (const c of calls) {
    // A call stored twice (a replayed insert before its parts merged) is one turn.
    const id = `${c.trace_id}\u0000${c.span_id}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const list = byConversation.get(key(c)) ?? [];
    if (list.length < q.maxTurns) list.push({ ...c, ts: Number(c.ts) });
    byConversation.set(key(c), list);
  }
  const weightOf = new Map(weights.map((w) => [key(w), Number(w.w)]));
  const doneOf = new Map(done.map((d) => [key(d), d.versions]));
  return candidates.flatMap((cand) => {
    const list = (byConversation.get(key(cand)) ?? []).reverse();
    const last = list.at(-1);
    if (!last) return [];
    const agent = [...list].reverse().find((c) => c.agent_name)?.agent_name ?? '';
    return [
      {
        conversationId: cand.conversation_id,
        dims: { service: cand.service, provider: last.provider, model: last.model, route: last.route },
        agentName: agent,
        lastTs: Number(cand.last_ts),
        calls: list,
        callWeight: weightOf.get(key(cand)) || 1,
        done: doneOf.get(key(cand)) ?? [],
      },
    ];
  });
}

async function rows<T>(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown>,
): Promise<T[]> {
  const rs = await client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return rs.json<T>();
}
