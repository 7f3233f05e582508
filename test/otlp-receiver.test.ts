import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { gzipSync } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { registry } from '../core/metrics.ts';
import { createReceiverServer, type AcceptResult, type OtlpSink } from '../collector/http/index.ts';
import { otlpType } from '../collector/otlp/proto-root.ts';
import { sdkLogRecords, sdkSpans } from './support/otlp-sdk-fixtures.ts';
import type { LogRecord, Span } from '../collector/span.ts';

// The OTLP/HTTP receiver on a real port, fed by the real OTel JS exporters and by hand-made bad
// requests; the sink is an in-memory recorder whose answer each test can switch.

const MAX_BODY = 4 * 1024 * 1024;
const KEY = 'test-api-key-123';

class RecordingSink implements OtlpSink {
  spans: Span[] = [];
  logs: LogRecord[] = [];
  answer: AcceptResult = { ok: true, rejected: 0 };
  acceptSpans(spans: Span[]): AcceptResult {
    if (this.answer.ok) this.spans.push(...spans);
    return this.answer;
  }
  acceptLogs(records: LogRecord[]): AcceptResult {
    if (this.answer.ok) this.logs.push(...records);
    return this.answer;
  }
}

const sink = new RecordingSink();
let ready = true;
let open: FastifyInstance;
let authed: FastifyInstance;
let url: string;
let authedUrl: string;

async function start(apiKeys: string[]): Promise<[FastifyInstance, string]> {
  const server = createReceiverServer({
    sink,
    config: { api_keys: apiKeys, max_body_bytes: MAX_BODY, retry_after_seconds: 3 },
    logger: silentLogger,
    isReady: () => ready,
  });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  return [server, address];
}

beforeAll(async () => {
  [open, url] = await start([]);
  [authed, authedUrl] = await start([KEY]);
});
afterAll(async () => {
  await open?.close();
  await authed?.close();
});
beforeEach(() => {
  sink.spans = [];
  sink.logs = [];
  sink.answer = { ok: true, rejected: 0 };
  ready = true;
});

const exported = (run: (done: (r: ExportResult) => void) => void): Promise<ExportResult> =>
  new Promise((resolve) => run(resolve));

const TRACE = randomBytes(16).toString('hex');
const jsonSpan = (over: Record<string, unknown> = {}) => ({
  traceId: TRACE,
  spanId: randomBytes(8).toString('hex'),
  name: 'chat',
  kind: 3,
  startTimeUnixNano: '1767323045123456789',
  endTimeUnixNano: '1767323046123456789',
  ...over,
});
const jsonBody = (spans: unknown[]): string =>
  JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });

function post(
  body: string | Buffer,
  headers: Record<string, string> = {},
  path = '/v1/traces',
  base = url,
): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

/** After every bad request: the same server still takes a good one. */
async function expectStillServing(): Promise<void> {
  const res = await post(jsonBody([jsonSpan({ name: 'still-serving' })]));
  expect(res.status).toBe(200);
  expect(sink.spans.some((s) => s.name === 'still-serving')).toBe(true);
}

describe('real OTel JS exporters', () => {
  it.each([
    ['protobuf', () => new ProtoTraceExporter({ url: `${url}/v1/traces` })],
    [
      'protobuf + gzip',
      () => new ProtoTraceExporter({ url: `${url}/v1/traces`, compression: CompressionAlgorithm.GZIP }),
    ],
    ['json', () => new JsonTraceExporter({ url: `${url}/v1/traces` })],
    [
      'json + gzip',
      () => new JsonTraceExporter({ url: `${url}/v1/traces`, compression: CompressionAlgorithm.GZIP }),
    ],
  ])('trace exporter (%s) delivers spans with their fields', async (_name, make) => {
    const spans = sdkSpans();
    const exporter = make();
    const result = await exported((done) => exporter.export(spans, done));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(sink.spans).toHaveLength(2);
    const root = sink.spans.find((s) => s.kind === 2);
    const child = sink.spans.find((s) => s.kind === 3);
    expect(root?.spanId).toBe(spans.find((s) => s.name === 'POST /api/chat')?.spanContext().spanId);
    expect(child?.parentSpanId).toBe(root?.spanId);
    expect(root?.attributes['http.route']).toBe('/api/chat');
    expect(root?.attributes['gen_ai.response.finish_reasons']).toEqual(['stop', 'length']);
    expect(child?.status).toEqual({ code: 2, message: 'rate limited' });
    expect(child?.events[0]?.name).toBe('gen_ai.content.prompt');
    expect(root?.resource.attributes['service.name']).toBe('checkout-api');
  });

  it.each([
    ['protobuf', () => new ProtoLogExporter({ url: `${url}/v1/logs` })],
    [
      'protobuf + gzip',
      () => new ProtoLogExporter({ url: `${url}/v1/logs`, compression: CompressionAlgorithm.GZIP }),
    ],
    ['json', () => new JsonLogExporter({ url: `${url}/v1/logs` })],
    [
      'json + gzip',
      () => new JsonLogExporter({ url: `${url}/v1/logs`, compression: CompressionAlgorithm.GZIP }),
    ],
  ])('log exporter (%s) delivers log records with body and trace context', async (_name, make) => {
    const spans = sdkSpans();
    const records = await sdkLogRecords(spans);
    const exporter = make();
    const result = await exported((done) => exporter.export(records, done));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const choice = sink.logs.find((r) => r.eventName === 'gen_ai.choice');
    expect(choice?.spanId).toBe(spans.find((s) => s.kind === SpanKind.CLIENT)?.spanContext().spanId);
    expect(choice?.body).toEqual({
      index: 0,
      finish_reason: 'stop',
      message: { role: 'assistant', content: 'Hello!' },
      tags: ['a', 1, true, { deep: [2.5] }],
    });
    expect(sink.logs).toHaveLength(2);
  });

  it('exporter with the right bearer token gets through auth', async () => {
    const exporter = new ProtoTraceExporter({
      url: `${authedUrl}/v1/traces`,
      headers: { Authorization: `Bearer ${KEY}` },
    });
    const result = await exported((done) => exporter.export(sdkSpans(), done));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(sink.spans).toHaveLength(2);
  });
});

describe('bad input gets a clear answer and the server keeps serving', () => {
  const Status = otlpType('google.rpc.Status');

  it('truncated protobuf → 400 with a google.rpc.Status in protobuf', async () => {
    const Request = otlpType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
    const good = Buffer.from(
      Request.encode(
        Request.fromObject({
          resourceSpans: [
            { scopeSpans: [{ spans: [{ name: 'x', traceId: randomBytes(16), spanId: randomBytes(8) }] }] },
          ],
        }),
      ).finish(),
    );
    const res = await post(good.subarray(0, good.length - 5), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const status = Status.toObject(Status.decode(Buffer.from(await res.arrayBuffer()))) as {
      code: number;
      message: string;
    };
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/^invalid protobuf: index out of range/);
    await expectStillServing();
  });

  it('garbage bytes → 400', async () => {
    const res = await post(Buffer.from('\u00ff\u00fe garbage \u0007'), {
      'content-type': 'application/x-protobuf',
    });
    expect(res.status).toBe(400);
    await expectStillServing();
  });

  it('invalid JSON and JSON of the wrong shape → 400 with the reason in JSON', async () => {
    const bad = await post('{"resourceSpans": [');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await bad.json()).toEqual({ code: 3, message: 'invalid JSON: Unexpected end of JSON input' });
    const shape = await post('{"resourceSpans": {"spans": []}}');
    expect(shape.status).toBe(400);
    expect(((await shape.json()) as { message: string }).message).toBe('resourceSpans must be an array');
    await expectStillServing();
  });

  it('values nested past 32 levels → 400 over JSON, as over protobuf', async () => {
    let value: Record<string, unknown> = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) value = { arrayValue: { values: [value] } };
    const res = await post(jsonBody([jsonSpan({ attributes: [{ key: 'deep', value }] })]));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/nested deeper than 32 levels/);
    await expectStillServing();
  });

  it('wrongly typed attributes are dropped, the span is kept, the answer is a partial-success warning', async () => {
    const res = await post(
      jsonBody([
        jsonSpan({
          name: 'typed',
          attributes: [
            { key: 'n', value: { intValue: 'abc' } },
            { key: 'ok', value: { stringValue: 'yes' } },
          ],
        }),
      ]),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partialSuccess?: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess?.rejectedSpans).toBe('0');
    expect(body.partialSuccess?.errorMessage).toContain('"n" dropped: intValue must be an integer');
    expect({ ...sink.spans[0]?.attributes }).toEqual({ ok: 'yes' });
  });

  it('spans with invalid ids → 200 with partial_success.rejected_spans (protobuf), the valid ones delivered', async () => {
    const Request = otlpType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
    const span = (name: string, traceId: Buffer) => ({ name, traceId, spanId: randomBytes(8) });
    const body = Buffer.from(
      Request.encode(
        Request.fromObject({
          resourceSpans: [
            {
              scopeSpans: [
                {
                  spans: [
                    span('good', randomBytes(16)),
                    span('short', randomBytes(15)),
                    span('long', randomBytes(17)),
                  ],
                },
              ],
            },
          ],
        }),
      ).finish(),
    );
    const res = await post(body, { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
    const Response = otlpType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
    const decoded = Response.toObject(Response.decode(Buffer.from(await res.arrayBuffer())), {
      longs: Number,
    }) as {
      partialSuccess?: { rejectedSpans: number; errorMessage: string };
    };
    expect(decoded.partialSuccess?.rejectedSpans).toBe(2);
    expect(decoded.partialSuccess?.errorMessage).toContain('trace_id must be 16 bytes, got 15 bytes');
    expect(sink.spans.map((s) => s.name)).toEqual(['good']);
  });

  it('sink rejects are added to the decoder rejects in partial_success', async () => {
    sink.answer = { ok: true, rejected: 1, message: 'duplicate span' };
    const res = await post(jsonBody([jsonSpan(), jsonSpan({ traceId: 'abc' })]));
    expect(await res.json()).toMatchObject({ partialSuccess: { rejectedSpans: '2' } });
  });

  it('a gzip bomb (1 GiB of zeros) is stopped at the decompressed-size cap → 413', async () => {
    // 16 gzip members of 64 MiB zeros each: a valid 1 GiB stream of ~1 MB, built without 1 GiB in memory.
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => member));
    expect(bomb.length).toBeLessThan(MAX_BODY);
    const before = process.memoryUsage().rss;
    const res = await post(bomb, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toBe(
      `request body exceeds ${MAX_BODY} bytes after decompression`,
    );
    // The server never held the expansion: far less than 1 GiB was added (generous bound, not timing).
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
    await expectStillServing();
  });

  it('a body over the limit as sent → 413', async () => {
    const res = await post(Buffer.alloc(MAX_BODY + 1024, 0x20));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toBe(
      `request body exceeds ${MAX_BODY} bytes`,
    );
    await expectStillServing();
  });

  it('a small gzip body that inflates past the limit → 413', async () => {
    const res = await post(gzipSync(Buffer.from(jsonBody([jsonSpan({ name: 'x'.repeat(MAX_BODY) })]))), {
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(413);
  });

  it('unknown content type and content encoding → 415, invalid gzip → 400', async () => {
    expect((await post('hello', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(jsonBody([jsonSpan()]), { 'content-encoding': 'br' })).status).toBe(415);
    expect((await post('not gzip', { 'content-encoding': 'gzip' })).status).toBe(400);
    await expectStillServing();
  });

  it('non-POST on an OTLP path → 405', async () => {
    const res = await fetch(`${url}/v1/traces`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('a span with no attributes and an empty request are accepted', async () => {
    const res = await post(jsonBody([jsonSpan({ name: 'bare' })]));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(sink.spans[0]?.name).toBe('bare');
    const empty = await post(Buffer.alloc(0), { 'content-type': 'application/x-protobuf' });
    expect(empty.status).toBe(200);
    expect((await empty.arrayBuffer()).byteLength).toBe(0);
  });

  it('a 1,000,000-character attribute value is accepted whole (truncation is the pipeline’s job)', async () => {
    const big = 'a'.repeat(1_000_000);
    const res = await post(
      jsonBody([jsonSpan({ attributes: [{ key: 'gen_ai.input.messages', value: { stringValue: big } }] })]),
    );
    expect(res.status).toBe(200);
    expect(sink.spans[0]?.attributes['gen_ai.input.messages']).toBe(big);
    await expectStillServing();
  });

  it('missing or wrong bearer token → 401; health stays open, metrics are not on this port', async () => {
    expect((await post(jsonBody([jsonSpan()]), {}, '/v1/traces', authedUrl)).status).toBe(401);
    expect(
      (await post(jsonBody([jsonSpan()]), { authorization: 'Bearer wrong-key-000' }, '/v1/traces', authedUrl))
        .status,
    ).toBe(401);
    expect(
      (await post(jsonBody([jsonSpan()]), { authorization: `Bearer ${KEY}` }, '/v1/traces', authedUrl))
        .status,
    ).toBe(200);
    expect((await fetch(`${authedUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${authedUrl}/metrics`)).status).toBe(404);
  });

  it.each([
    ['overloaded', 429],
    ['shutting_down', 503],
  ] as const)('sink %s → %i with Retry-After', async (reason, status) => {
    sink.answer = { ok: false, reason };
    const res = await post(jsonBody([jsonSpan()]));
    expect(res.status).toBe(status);
    expect(res.headers.get('retry-after')).toBe('3');
    sink.answer = { ok: true, rejected: 0 };
    await expectStillServing();
  });
});

describe('health and metrics', () => {
  it('healthz follows isReady', async () => {
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    ready = false;
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
  });

  it('metrics count requests by status and rejections by reason', async () => {
    await post('{"resourceSpans": 5}');
    await post(jsonBody([jsonSpan()]));
    // Served on the ops port (cli/ops-server.ts); the registry is this process's.
    const text = await registry.metrics();
    expect(text).toMatch(/assay_otlp_requests_total\{signal="traces",encoding="json",status="400"\} [1-9]/);
    expect(text).toMatch(/assay_otlp_requests_total\{signal="traces",encoding="json",status="200"\} [1-9]/);
    expect(text).toMatch(/assay_otlp_rejected_total\{signal="traces",reason="decode_error"\} [1-9]/);
    expect(text).toMatch(/assay_otlp_spans_received_total [1-9]/);
    expect(text).toMatch(/assay_otlp_request_bytes_total\{signal="traces"\} [1-9]/);
  });
});
