import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../cli/config.ts';
import type { LlmCall } from '../../core/llm-call.ts';
import { silentLogger } from '../../core/logger.ts';
import { eventually } from '../../test/helpers/eventually.ts';
import { otlpJsonRequest } from '../../test/helpers/otlp-json.ts';
import { ROOT_CONTEXT, SpanKind, trace, type Span } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
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

function collector(dir: string, settled: boolean, maxBytes = 64 * 1024 ** 2, routeWait = '5s') {
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
    config: parseConfig({ collector: { route: { wait: routeWait } } }).collector,
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

/**
 * A protobuf export of the real OTel JS SDK: a request trace (SERVER span, three DB spans, an
 * LLM call) and a trace of DB spans only (a background job).
 */
function sdkRequest(): Buffer {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer(
    't',
  );
  const under = (parent: Span) => trace.setSpan(ROOT_CONTEXT, parent);
  const db = (name: string, parent: Span) =>
    tracer
      .startSpan(
        name,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'db.system.name': 'postgresql',
            'db.query.text': 'SELECT * FROM orders WHERE id = $1 '.repeat(8),
          },
        },
        under(parent),
      )
      .end();
  const server = tracer.startSpan('POST /api/refunds', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'POST', 'http.route': '/api/refunds', 'url.path': '/api/refunds' },
  });
  for (const n of ['a', 'b', 'c']) db(`SELECT orders ${n}`, server);
  tracer
    .startSpan(
      'chat gpt-4o-mini',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.input.messages': JSON.stringify([
            { role: 'user', parts: [{ type: 'text', content: 'Can I get a refund?' }] },
          ]),
          'gen_ai.output.messages': JSON.stringify([
            { role: 'assistant', parts: [{ type: 'text', content: 'Yes, within 30 days.' }] },
          ]),
        },
      },
      under(server),
    )
    .end();
  server.end();
  const job = tracer.startSpan('nightly job');
  for (const n of ['d', 'e', 'f']) db(`SELECT orders ${n}`, job);
  job.end();
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!);
}

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

  it('logs only the spans a replay needs from a protobuf request, and the replay reads the same calls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'assay-durable-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = collector(dir, false, undefined, '100ms');
    await first.durable.replay();
    const bytes = sdkRequest();
    const decoded = decodeTraces(bytes, 'protobuf');
    expect(decoded.items).toHaveLength(9);
    const r = first.durable.acceptSpans(decoded.items, {
      bytes,
      encoding: 'protobuf',
      gzip: false,
      plain: bytes,
      layout: decoded.layout,
    });
    if (r.ok) await r.durable;
    // Logged: the LLM call, the SERVER span and the job's root; not the six DB spans.
    const logged = walFiles(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    expect(logged).toBeGreaterThan(0);
    expect(logged).toBeLessThan(bytes.length * 0.6);
    const live = await eventually(async () => (first.sink.calls.length ? first.sink.calls : undefined));
    expect(live.map((c) => [c.route, c.route_source, c.response])).toEqual([
      ['/api/refunds', 'server_span', 'Yes, within 30 days.'],
    ]);

    const second = collector(dir, true, undefined, '100ms');
    expect(await second.durable.replay()).toEqual({ records: 1, undecodable: 0 });
    const replayed = await eventually(async () =>
      second.replaySink.calls.length ? second.replaySink.calls : undefined,
    );
    expect(replayed).toEqual(live);
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
    expect(r).toMatchObject({ ok: true, rejected: 0, relevant: false });
    expect(walFiles(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0)).toBe(0);
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
