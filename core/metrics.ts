import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per process, served on `GET /metrics` by each role. Stages create
 * their instruments through these helpers so names stay consistent (`assay_` prefix) and a
 * second `create` with the same name returns the first instrument instead of throwing.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'assay_process_' });

type Labels<T extends string> = { name: string; help: string; labelNames?: readonly T[] };

/**
 * `collect` is run whenever the registry is read (a scrape, a snapshot), before the values are:
 * a hot path can count in plain numbers and add them to the counter there.
 */
export function counter<T extends string = string>(
  cfg: Labels<T> & { collect?: (this: Counter<T>) => void },
): Counter<T> {
  const existing = registry.getSingleMetric(cfg.name);
  if (existing) return existing as Counter<T>;
  return new Counter<T>({ ...cfg, labelNames: cfg.labelNames ?? [], registers: [registry] });
}

export function gauge<T extends string = string>(cfg: Labels<T>): Gauge<T> {
  const existing = registry.getSingleMetric(cfg.name);
  if (existing) return existing as Gauge<T>;
  return new Gauge<T>({ ...cfg, labelNames: cfg.labelNames ?? [], registers: [registry] });
}

export function histogram<T extends string = string>(cfg: Labels<T> & { buckets?: number[] }): Histogram<T> {
  const existing = registry.getSingleMetric(cfg.name);
  if (existing) return existing as Histogram<T>;
  return new Histogram<T>({ ...cfg, labelNames: cfg.labelNames ?? [], registers: [registry] });
}
