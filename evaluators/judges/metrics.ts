import { counter, gauge, histogram } from '../../core/metrics.ts';

/** Judge instruments (registered once per process). */
export const judgeMetrics = {
  /** One per HTTP request to a judge endpoint, by how it ended. */
  requests: counter<'endpoint' | 'outcome'>({
    name: 'assay_judge_requests_total',
    help: 'Requests to judge endpoints by outcome (ok, rate_limited, server_error, client_error, timeout, connection_error, aborted)',
    labelNames: ['endpoint', 'outcome'],
  }),
  tokens: counter<'endpoint' | 'direction'>({
    name: 'assay_judge_tokens_total',
    help: 'Tokens used by judges, by direction (input, output)',
    labelNames: ['endpoint', 'direction'],
  }),
  spend: counter<'endpoint'>({
    name: 'assay_judge_spend_usd_total',
    help: 'USD spent on judges (from response usage and the configured price)',
    labelNames: ['endpoint'],
  }),
  failures: counter<'evaluator' | 'reason'>({
    name: 'assay_judge_failures_total',
    help: 'Judge failures (no score recorded) by reason: malformed_output, refused, http_error, timeout',
    labelNames: ['evaluator', 'reason'],
  }),
  shed: counter<'evaluator' | 'reason'>({
    name: 'assay_judge_shed_total',
    help: 'Judgements not made now: deferred (circuit_open, rate_limited, concurrency) or skipped (spend_cap, not_applicable)',
    labelNames: ['evaluator', 'reason'],
  }),
  cache: counter<'result'>({
    name: 'assay_judge_cache_total',
    help: 'Judge cache lookups by result (hit, miss)',
    labelNames: ['result'],
  }),
  breaker: gauge<'endpoint'>({
    name: 'assay_judge_breaker_state',
    help: 'Circuit breaker of a judge endpoint: 0 closed, 1 half-open, 2 open',
    labelNames: ['endpoint'],
  }),
  latency: histogram<'endpoint'>({
    name: 'assay_judge_latency_seconds',
    help: 'Duration of one request to a judge endpoint',
    labelNames: ['endpoint'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
  }),
};
