import { z } from 'zod';
import { parseJson } from './json-text.ts';
import { fail, pass } from './text.ts';
import type { CheckDefinition, CheckInput, RelatedCall } from './types.ts';

export const toolLoopConfigSchema = z
  .object({
    /** The same tool with the same arguments called this many times fails. Default 3. */
    repeats: z.number().int().min(2).default(3),
    /**
     * Where repeats are counted: `trace` (one agent run) or `conversation` (every turn of the
     * conversation in the worker's lookback; the trace when the call has no conversation id).
     * Default trace.
     */
    scope: z.enum(['trace', 'conversation']).default('trace'),
    /** Most LLM calls a trace may have. Default: unset (learned, see below). */
    max_calls_per_trace: z.number().int().min(1).optional(),
    /** Without `max_calls_per_trace`, fail above the route's p99 of calls per trace × `learned_factor` (last day). Default true. */
    learned: z.boolean().default(true),
    /** Traces of history a route needs before its learned bound is used. Default 200. */
    min_history: z.number().int().min(1).default(200),
    /** Multiplier of the learned p99 giving the bound. Default 2. */
    learned_factor: z.number().min(1).default(2),
  })
  .strict();

export type ToolLoopConfig = z.output<typeof toolLoopConfigSchema>;

/** A call the worker loads the trace's other calls for: it made tool calls or was offered tools. */
export function isAgentCall(call: { tool_calls?: string; tool_definitions?: string }): boolean {
  return Boolean(call.tool_calls || call.tool_definitions);
}

/** `name(args)` with the arguments' JSON re-serialised with sorted keys, or null without arguments. */
function callKeys(toolCalls: string): string[] {
  if (!toolCalls) return [];
  const parsed = parseJson(toolCalls);
  if (!parsed.ok || !Array.isArray(parsed.value)) return [];
  const keys: string[] = [];
  for (const c of parsed.value) {
    if (typeof c !== 'object' || c === null) continue;
    const { name, arguments: args } = c as { name?: unknown; arguments?: unknown };
    // Without arguments (content capture off) two calls of one tool cannot be told apart.
    if (typeof name !== 'string' || typeof args !== 'string') continue;
    const value = parseJson(args.trim() === '' ? '{}' : args);
    keys.push(`${name}(${value.ok ? canonical(value.value) : args.trim()})`);
  }
  return keys;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null)
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * The calls in scope up to the evaluated one (by start time), with it in them exactly once.
 * Counting only what came before makes the verdict the same whenever the job runs: the call that
 * repeats a tool call for the `repeats`-th time fails, and so does every later repeat, whether or
 * not the rest of the trace had arrived.
 */
function upToSelf(input: CheckInput, scope: ToolLoopConfig['scope']): RelatedCall[] {
  const related = input.related;
  if (!related) return [];
  const list = scope === 'conversation' && input.conversation_id ? related.conversation : related.trace;
  const selfKey = `${input.trace_id ?? ''}-${input.span_id ?? ''}`;
  const stored = [...related.trace, ...related.conversation].find(
    (c) => `${c.trace_id}-${c.span_id}` === selfKey,
  );
  const until = stored?.timestamp ?? Infinity;
  const out: RelatedCall[] = [
    {
      span_id: input.span_id ?? '',
      trace_id: input.trace_id ?? '',
      timestamp: until,
      tool_calls: input.tool_calls ?? '',
    },
  ];
  const seen = new Set([selfKey]);
  for (const c of list) {
    const key = `${c.trace_id}-${c.span_id}`;
    if (seen.has(key) || c.timestamp > until) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}

/**
 * An agent going round in circles: the call repeats a tool call (same tool, same arguments) for
 * the `repeats`-th time in its trace (or conversation), or is an LLM call of its trace past the
 * route's bound. Only the calls up to this one count, read from what is stored when the job runs
 * (the worker queues a call once its row is written, and the trace's earlier calls were written
 * before it unless the exporter reordered them): so the verdict does not depend on whether the
 * rest of the trace has arrived. A call whose predecessors are still in flight reads short (a
 * lower bound: a failure is certain); the later calls of the loop, sampled with it because the
 * sampler draws by trace or conversation, are then the ones that fail.
 */
export const toolLoop: CheckDefinition<ToolLoopConfig> = {
  id: 'tool_loop',
  version: '1',
  description:
    "The same tool is not called with the same arguments again and again, and a trace's LLM calls stay within its route's bound.",
  configSchema: toolLoopConfigSchema,
  requiresParams: false,
  needsRelated: true,
  create(config, deps) {
    return (input) => {
      if (input.status === 'error' || !input.related || !isAgentCall(input)) return null;
      const calls = upToSelf(input, config.scope);
      const where = config.scope === 'conversation' && input.conversation_id ? 'conversation' : 'trace';
      const mine = new Set(callKeys(input.tool_calls ?? ''));
      if (mine.size > 0) {
        const counts = new Map<string, number>();
        for (const c of calls)
          for (const key of new Set(callKeys(c.tool_calls)))
            if (mine.has(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
        for (const [key, n] of counts)
          if (n >= config.repeats)
            return {
              ...fail(`${key.slice(0, 120)} called ${n} times with the same arguments in this ${where}`),
              tool: key.slice(0, key.indexOf('(')),
            };
      }
      const traceCalls = upToSelf(input, 'trace').length;
      let bound = config.max_calls_per_trace;
      let source = 'configured';
      if (bound === undefined && config.learned && deps.routeTraceStats) {
        const stats = deps.routeTraceStats(input.route);
        if (stats && stats.n >= config.min_history) {
          bound = Math.ceil(stats.p99 * config.learned_factor);
          source = 'learned';
        }
      }
      const more = input.related.truncated ? '+' : '';
      if (bound !== undefined && traceCalls > bound)
        return fail(`LLM call ${traceCalls}${more} of its trace, over the bound of ${bound} (${source})`);
      if (mine.size === 0 && bound === undefined) return null;
      const within = bound === undefined ? '' : `, within ${bound} (${source})`;
      return pass(`no repeated tool call; LLM call ${traceCalls}${more} of its trace${within}`);
    };
  },
};
