import { counter, gauge } from '../core/metrics.ts';

/** The pipeline's metrics: calls by convention, drops by reason, duplicates, what waits, route sources. */
export const pipelineMetrics = {
  calls: counter({
    name: 'assay_llm_calls_total',
    help: 'LLM calls extracted from spans',
    labelNames: ['convention'],
  }),
  dropped: counter({
    name: 'assay_calls_dropped_total',
    help: 'Calls not stored, by reason',
    labelNames: ['reason'],
  }),
  duplicates: counter({
    name: 'assay_calls_duplicate_total',
    help: 'Spans of calls already accepted (exporter retries)',
  }),
  pending: gauge({
    name: 'assay_calls_pending',
    help: 'Calls waiting for their route or log-record content',
  }),
  routeSource: counter({
    name: 'assay_route_resolved_total',
    help: 'Calls by where their route came from',
    labelNames: ['source'],
  }),
};

/**
 * Per-call counter increments gathered over one batch and added to the metrics once, instead of
 * a prom-client label lookup per call per counter.
 */
export class BatchCounts {
  private readonly calls = new Map<string, number>();
  private readonly routeSources = new Map<string, number>();
  private duplicates = 0;

  call(convention: string): void {
    this.calls.set(convention, (this.calls.get(convention) ?? 0) + 1);
  }

  routed(source: string): void {
    this.routeSources.set(source, (this.routeSources.get(source) ?? 0) + 1);
  }

  duplicate(): void {
    this.duplicates++;
  }

  flush(): void {
    for (const [convention, n] of this.calls) pipelineMetrics.calls.inc({ convention }, n);
    for (const [source, n] of this.routeSources) pipelineMetrics.routeSource.inc({ source }, n);
    if (this.duplicates) pipelineMetrics.duplicates.inc(this.duplicates);
    this.calls.clear();
    this.routeSources.clear();
    this.duplicates = 0;
  }
}
