import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import type { Logger } from './logger.ts';
import { snapshotRows, startMetricsSnapshots, type PipelineMetricRow } from './metrics-snapshot.ts';

function registryWithMetrics(): Registry {
  const registers = [new Registry()];
  const reg = registers[0]!;
  new Counter({ name: 'assay_calls_dropped_total', help: 'h', labelNames: ['reason'], registers }).inc(
    { reason: 'buffer_full' },
    3,
  );
  new Gauge({ name: 'assay_queue_depth', help: 'h', registers }).set(7);
  new Histogram({
    name: 'assay_writer_insert_seconds',
    help: 'h',
    labelNames: ['table'],
    buckets: [0.1, 1],
    registers,
  }).observe({ table: 'llm_calls' }, 0.05);
  new Gauge({ name: 'assay_process_heap_bytes', help: 'h', registers }).set(1);
  new Gauge({ name: 'other_library_gauge', help: 'h', registers }).set(1);
  return reg;
}

const meta = { timestamp: 1_700_000_000_000, role: 'collector', instance: 'host:1' };
const fakeLogger = () => ({ warn: vi.fn() }) as unknown as Logger & { warn: ReturnType<typeof vi.fn> };

describe('snapshotRows', () => {
  it('writes one row per sample of Assay metrics, histograms as buckets, sum and count', async () => {
    const rows = snapshotRows(await registryWithMetrics().getMetricsAsJSON(), meta);
    const brief = rows.map((r) => [r.metric, r.labels, r.value]);
    expect(brief).toEqual(
      expect.arrayContaining([
        ['assay_calls_dropped_total', { reason: 'buffer_full' }, 3],
        ['assay_queue_depth', {}, 7],
        ['assay_writer_insert_seconds_bucket', { le: '0.1', table: 'llm_calls' }, 1],
        ['assay_writer_insert_seconds_bucket', { le: '+Inf', table: 'llm_calls' }, 1],
        ['assay_writer_insert_seconds_sum', { table: 'llm_calls' }, 0.05],
        ['assay_writer_insert_seconds_count', { table: 'llm_calls' }, 1],
      ]),
    );
    expect(
      rows.every((r) => r.role === 'collector' && r.instance === 'host:1' && r.timestamp === meta.timestamp),
    ).toBe(true);
  });

  it('leaves out foreign metrics and the bulky process metrics', async () => {
    const names = snapshotRows(await registryWithMetrics().getMetricsAsJSON(), meta).map((r) => r.metric);
    expect(names).not.toContain('other_library_gauge');
    expect(names).not.toContain('assay_process_heap_bytes');
  });
});

describe('startMetricsSnapshots', () => {
  it('writes a snapshot at start and a last one at stop, into the pipeline_metrics table', async () => {
    const inserts: { table: string; values: PipelineMetricRow[] }[] = [];
    const client = {
      insert: vi.fn(async (p: { table: string; values: PipelineMetricRow[] }) => void inserts.push(p)),
    };
    const snaps = startMetricsSnapshots({
      client: client as never,
      database: 'assay_test',
      role: 'worker',
      instance: 'w1',
      logger: fakeLogger(),
      registry: registryWithMetrics(),
      intervalMs: 3_600_000,
    });
    await snaps.stop();
    await snaps.stop();
    expect(inserts.map((i) => i.table)).toEqual([
      'assay_test.pipeline_metrics',
      'assay_test.pipeline_metrics',
    ]);
    expect(inserts[0]?.values.find((r) => r.metric === 'assay_queue_depth')).toMatchObject({
      role: 'worker',
      instance: 'w1',
      value: 7,
    });
  });

  it('never throws when ClickHouse refuses, and logs failures at most once a minute', async () => {
    const client = { insert: vi.fn(async () => Promise.reject(new Error('connection refused'))) };
    const logger = fakeLogger();
    let t = 0;
    const snaps = startMetricsSnapshots({
      client: client as never,
      database: 'assay',
      role: 'collector',
      instance: 'c1',
      logger,
      registry: registryWithMetrics(),
      intervalMs: 3_600_000,
      now: () => t,
    });
    for (t = 1_000; t < 50_000; t += 10_000) await snaps.snapshot();
    expect(logger.warn).toHaveBeenCalledTimes(1);
    t = 70_000;
    await snaps.snapshot();
    expect(logger.warn).toHaveBeenCalledTimes(2);
    await expect(snaps.stop()).resolves.toBeUndefined();
    expect(client.insert.mock.calls.length).toBeGreaterThanOrEqual(6);
  });
});
