import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../cli/config.ts';
import type { LlmCall } from '../../core/llm-call.ts';
import { silentLogger } from '../../core/logger.ts';
import { otlpJsonRequest } from '../../test/helpers/otlp-json.ts';
import { decodeTraces } from '../otlp/index.ts';
import { CollectorPipeline, type CallSink } from '../pipeline.ts';
import { DurableSink } from './durable-sink.ts';
import { WriteAheadLog } from './wal.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A sink that records calls; `settled` false leaves them "not yet in ClickHouse". */
function recorder(settled: boolean): CallSink & { calls: LlmCall[] } {
  const calls: LlmCall[] = [];
  return {
    calls,
    add: (rows) => {
      calls.push(...rows);
      return { accepted: true, done: settled ? Promise.resolve() : new Promise<void>(() => undefined) };
    },
    available: () => 10_000,
  };
}

function collector(dir: string, settled: boolean, maxBytes = 64 * 1024 ** 2) {
  const wal: WriteAheadLog = new WriteAheadLog({
    dir,
    fsync: 'batch',
    groupCommitMs: 0,
    segmentBytes: 1024 * 1024,
    maxBytes,
    logger: silentLogger,
    onResolved: () => pipeline.release(),
  });
  const sink = recorder(settled);
  const replaySink = recorder(true);
  const pipeline = new CollectorPipeline({
    config: parseConfig({ collector: { route: { wait: '5s' } } }).collector,
    logger: silentLogger,
    price: () => null,
    redact: (s) => s,
    sink,
    replaySink,
    holds: wal,
    resolvedLsn: () => wal.resolvedLsn,
  });
  cleanups.push(() => pipeline.shutdown());
  const durable = new DurableSink({ pipeline, wal, logger: silentLogger });
  return { wal, sink, replaySink, pipeline, durable };
}

/** The request split in two: the LLM spans first, their SERVER parents in a later request. */
function splitRequest(route: string) {
  const { body, spanIds } = otlpJsonRequest([{ route }, { route }]);
  const only = (kind: number) => {
    const req = JSON.parse(body) as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ kind: number }> }> }>;
    };
    for (const rs of req.resourceSpans)
      for (const ss of rs.scopeSpans) ss.spans = ss.spans.filter((s) => s.kind === kind);
    return Buffer.from(JSON.stringify(req));
  };
  return { llm: only(3), server: only(2), spanIds };
}

const send = (durable: DurableSink, bytes: Buffer) =>
  durable.acceptSpans(decodeTraces(bytes, 'json').items, { bytes, encoding: 'json', gzip: false });

const walFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.wal'));

describe('DurableSink', () => {
  it('replays after a crash the calls not yet stored, with the route from a later SERVER span, into the replay sink', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'assay-durable-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = collector(dir, false);
    await first.durable.replay();
    const { llm, server, spanIds } = splitRequest('/api/refunds');
    for (const bytes of [llm, server]) {
      const r = send(first.durable, bytes);
      expect(r.ok && r.durable).toBeInstanceOf(Promise);
      if (r.ok) await r.durable;
    }
    expect(first.sink.calls.map((c) => [c.span_id, c.route, c.route_source])).toEqual(
      spanIds.map((id) => [id, '/api/refunds', 'server_span']),
    );

    // The process dies before the writer had the calls durably: a new one replays the log.
    const second = collector(dir, true);
    expect(await second.durable.replay()).toEqual({ records: 2, undecodable: 0 });
    expect(second.sink.calls).toEqual([]);
    expect(second.replaySink.calls.map((c) => [c.span_id, c.route, c.route_source])).toEqual(
      spanIds.map((id) => [id, '/api/refunds', 'server_span']),
    );
    // Stored now: the old segment is cut.
    await new Promise((r) => setTimeout(r, 20));
    expect(walFiles(dir)).toEqual([]);
  });

  it('hands a call to the writer only once its request is durable in the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'assay-durable-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const c = collector(dir, true);
    await c.durable.replay();
    const { body, spanIds } = otlpJsonRequest([{ route: '/now' }]);
    const r = send(c.durable, Buffer.from(body));
    expect(c.sink.calls).toEqual([]);
    if (r.ok) await r.durable;
    expect(c.sink.calls.map((x) => x.span_id)).toEqual(spanIds);
  });

  it('does not log a request the pipeline took nothing from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'assay-durable-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const c = collector(dir, true);
    await c.durable.replay();
    const r = send(c.durable, splitRequest('/x').server);
    expect(r).toEqual({ ok: true, rejected: 0, relevant: false });
  });

  it('answers log_full (429) once the log holds max_bytes of requests not yet stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'assay-durable-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const c = collector(dir, false, 8 * 1024);
    await c.durable.replay();
    const results = [];
    for (let i = 0; i < 10; i++) {
      const r = send(c.durable, splitRequest('/full').llm);
      if (r.ok) await r.durable;
      results.push(r.ok ? 'ok' : r.reason);
    }
    expect(results).toContain('log_full');
    expect(results[0]).toBe('ok');
  });
});
