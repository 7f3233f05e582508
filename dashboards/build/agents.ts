import { annotation, dashboard, PROVIDER_ROUTE_LINK, queryVariable, type Dashboard } from './model.ts';
import { alertAnnotationSql, BUCKET, dimensionVariables, filters, type Dim } from './sql.ts';

const DIMS: Dim[] = ['service', 'provider', 'route', 'model'];
const AGENT = '$__conditionalAll(agent_name IN (${agent:singlequote}), $agent)';
const F = `${filters(DIMS)} AND ${AGENT}`;

/**
 * Agents: tool-call validity by tool, loops and content filters by agent, and the conversations
 * with the most failing turns. Reads the agent rollups of migration 0008 (rows with an agent or a
 * tool only) and, for conversations, the raw verdicts and the conversation judges' scores (migration 0011),
 * bounded by the range.
 */
export function agents(): Dashboard {
  return dashboard(
    {
      uid: 'assay-agents',
      title: 'Assay / Agents',
      description:
        'Tool-call validity by tool, tool loops and content filters by agent, and the conversations with the most failing turns.',
    },
    [
      ...dimensionVariables(DIMS),
      queryVariable(
        'agent',
        'Agent',
        `SELECT DISTINCT agent_name FROM llm_scores_agent_1m WHERE $__timeFilter(minute) AND ${filters(DIMS)} ORDER BY agent_name`,
      ),
    ],
    [annotation('Assay alerts', 'red', alertAnnotationSql(DIMS))],
    [
      {
        type: 'timeseries',
        title: 'Tool-call validity by tool',
        description:
          'Share of tool calls (tool_call_valid) that named an offered tool with arguments valid against its schema, per tool; weighted by 1/sampling probability.',
        w: 24,
        h: 9,
        unit: 'percentunit',
        defaults: { min: 0, max: 1 },
        sql: [
          `SELECT ${BUCKET} AS time, tool, sum(w_passes) / nullIf(sum(w_n), 0) AS valid
FROM llm_scores_agent_1m WHERE $__timeFilter(minute) AND evaluator = 'tool_call_valid' AND tool != '' AND ${F}
GROUP BY time, tool ORDER BY time`,
        ],
      },
      {
        type: 'table',
        title: 'Tools',
        description:
          'Per agent and tool: tool calls checked, the valid share, and loops (tool_loop failures).',
        w: 24,
        h: 8,
        sql: [
          `SELECT agent_name AS agent, tool, provider, route,
  sumIf(n, evaluator = 'tool_call_valid') AS calls_checked,
  sumIf(w_passes, evaluator = 'tool_call_valid') / nullIf(sumIf(w_n, evaluator = 'tool_call_valid'), 0) AS valid_share,
  sumIf(n, evaluator = 'tool_loop') - sumIf(passes, evaluator = 'tool_loop') AS loops
FROM llm_scores_agent_1m WHERE $__timeFilter(minute) AND tool != '' AND ${F}
GROUP BY agent, tool, provider, route ORDER BY valid_share ASC, calls_checked DESC LIMIT 50`,
        ],
        overrides: [PROVIDER_ROUTE_LINK],
      },
      {
        type: 'timeseries',
        title: 'Semantic failure rate by agent',
        description: "Share of an agent's scored calls that any check or judge failed, weighted.",
        unit: 'percentunit',
        defaults: { min: 0 },
        sql: [
          `SELECT ${BUCKET} AS time, agent_name, sum(w_failed) / nullIf(sum(w_scored), 0) AS failure_rate
FROM call_verdicts_agent_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time, agent_name ORDER BY time`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Filtered answers by agent',
        description:
          'Share of answers a provider content filter or a guardrail stopped or changed (content_filtered failures).',
        unit: 'percentunit',
        defaults: { min: 0 },
        sql: [
          `SELECT ${BUCKET} AS time, agent_name, 1 - sum(w_passes) / nullIf(sum(w_n), 0) AS filtered
FROM llm_scores_agent_1m WHERE $__timeFilter(minute) AND evaluator = 'content_filtered' AND ${F}
GROUP BY time, agent_name ORDER BY time`,
        ],
      },
      {
        type: 'table',
        title: 'Worst conversations',
        description:
          'Conversations (gen_ai.conversation.id, session.id, …) with the most failing turns in the range, the checks that failed them and their trace ids (the first failing one to open, then up to 10).',
        w: 24,
        h: 10,
        sql: [
          `SELECT conversation_id, any(agent_name) AS agent, any(service) AS svc, any(provider) AS prov, any(route) AS rt,
  countIf(status = 'ok') AS turns_scored, countIf(status = 'ok' AND failed = 1) AS turns_failed,
  turns_failed / nullIf(turns_scored, 0) AS failed_share,
  arrayStringConcat(arraySlice(arrayDistinct(arrayFlatten(groupArray(failed_evaluators))), 1, 5), ', ') AS failed_checks,
  argMinIf(trace_id, timestamp, failed = 1) AS first_failing_trace,
  arrayStringConcat(groupUniqArray(10)(trace_id), ' ') AS trace_ids,
  min(timestamp) AS started, max(timestamp) AS last_turn
FROM (
  SELECT * FROM call_verdicts
  WHERE $__timeFilter(timestamp) AND conversation_id != '' AND ${F}
)
GROUP BY conversation_id HAVING turns_failed > 0
ORDER BY turns_failed DESC, failed_share DESC LIMIT 25`,
        ],
      },
      {
        type: 'table',
        title: 'Worst judged conversations',
        description:
          'Closed conversations judged as a whole (worker.conversations: goal reached, user frustration, self-contradiction, giving up) that failed a rubric, lowest score first: the rubrics failed, the judge reason, the turns and the trace ids (the last call first, then every call in time order).',
        w: 24,
        h: 10,
        sql: [
          `SELECT conversation_id, any(agent_name) AS agent, service, any(provider) AS provider, any(route) AS route,
  min(score) AS worst_score,
  arrayStringConcat(arraySort(groupArrayIf(evaluator, outcome = 'fail')), ', ') AS failed_rubrics,
  argMinIf(reason, score, outcome = 'fail') AS judge_reason,
  max(turns) AS turns, argMax(trace_id, timestamp) AS last_trace,
  arrayStringConcat(argMax(trace_ids, timestamp), ' ') AS trace_ids,
  min(started_at) AS started, max(timestamp) AS ended
FROM (
  SELECT * FROM conversation_scores
  WHERE $__timeFilter(timestamp) AND outcome IN ('pass', 'fail') AND ${F}
)
GROUP BY service, conversation_id HAVING countIf(outcome = 'fail') > 0
ORDER BY worst_score ASC, ended DESC LIMIT 25`,
        ],
        overrides: [PROVIDER_ROUTE_LINK],
      },
    ],
  );
}
