import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  OtlpDecodeError,
  RpcCode,
  decodeLogs,
  decodeTraces,
  encodeExportResponse,
  encodeStatus,
  type DecodeResult,
  type OtlpEncoding,
  type OtlpSignal,
  type TraceLayout,
} from '../otlp/index.ts';
import type { LogRecord, Span } from '../span.ts';
import { InflateError, gunzipCapped } from './body.ts';
import { receiverMetrics as m } from './metrics.ts';
import type { RateLimitedLog } from './rate-limited-log.ts';
import type { AcceptResult, OtlpBody, ReceiverDeps } from './types.ts';

/** HTTP status and RPC code of each reason a sink refuses a batch for. */
const REFUSAL: Record<Extract<AcceptResult, { ok: false }>['reason'], [number, number, string]> = {
  overloaded: [429, RpcCode.RESOURCE_EXHAUSTED, 'collector overloaded, retry later'],
  log_full: [429, RpcCode.RESOURCE_EXHAUSTED, 'collector write-ahead log full, retry later'],
  shutting_down: [503, RpcCode.UNAVAILABLE, 'collector shutting down, retry later'],
};

/** What the onRequest checks learned about an OTLP request, for the handler and the metrics. */
export interface OtlpRequestInfo {
  signal: OtlpSignal;
  /** Undefined until the Content-Type was recognised. */
  encoding?: OtlpEncoding;
  gzip: boolean;
}

export const CONTENT_TYPE: Record<OtlpEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** Per-request info, keyed by the raw request so no global Fastify type augmentation is needed. */
export const requestInfo = new WeakMap<object, OtlpRequestInfo>();

/** Sends a `google.rpc.Status` error body in the request's encoding (JSON when it is unknown). */
export function sendStatus(
  reply: FastifyReply,
  http: number,
  code: number,
  message: string,
  encoding: OtlpEncoding = 'json',
): FastifyReply {
  return reply
    .code(http)
    .type(CONTENT_TYPE[encoding])
    .send(encodeStatus(encoding, code, message));
}

interface SignalOps<T> {
  decode: (body: Uint8Array, encoding: OtlpEncoding) => DecodeResult<T>;
  accept: (items: T[], body: OtlpBody) => AcceptResult;
  received: (n: number) => void;
  invalidReason: string;
}

function ops(deps: ReceiverDeps, signal: OtlpSignal): SignalOps<Span> | SignalOps<LogRecord> {
  if (signal === 'traces') {
    const traces: SignalOps<Span> = {
      decode: (body, encoding) => decodeTraces(body, encoding, deps.spanSelection),
      accept: (spans, body) => deps.sink.acceptSpans(spans, body),
      received: (n) => m.spans.inc(n),
      invalidReason: 'invalid_span',
    };
    return traces;
  }
  const logs: SignalOps<LogRecord> = {
    decode: decodeLogs,
    accept: (records, body) => deps.sink.acceptLogs(records, body),
    received: (n) => m.logRecords.inc(n),
    invalidReason: 'invalid_log_record',
  };
  return logs;
}

/**
 * The POST handler of `/v1/traces` and `/v1/logs`: inflate (capped), decode, hand to the sink,
 * answer per OTLP/HTTP — 200 (with `partial_success` when items were rejected), 400 with the
 * reason, 413 over the size cap, 429/503 with Retry-After when the sink cannot take the batch.
 */
export function createOtlpHandler(deps: ReceiverDeps, signal: OtlpSignal, log: RateLimitedLog) {
  const { max_body_bytes: maxBytes, retry_after_seconds: retryAfter } = deps.config;
  const signalOps = ops(deps, signal) as SignalOps<unknown>;
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const info = requestInfo.get(request.raw) ?? { signal, gzip: false };
    const encoding = info.encoding ?? 'json';
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    m.bytes.inc({ signal }, raw.length);
    let body = raw;
    let decoded: DecodeResult<unknown>;
    try {
      if (info.gzip && raw.length > 0) body = await gunzipCapped(raw, maxBytes);
      const cpu = process.cpuUsage();
      decoded = signalOps.decode(body, encoding);
      const used = process.cpuUsage(cpu);
      m.decodeSeconds.inc({ signal }, (used.user + used.system) / 1e6);
    } catch (err) {
      return refuseBody(err, reply, encoding);
    }
    const layout = 'layout' in decoded ? (decoded.layout as TraceLayout) : undefined;
    return answer(decoded, reply, { bytes: raw, encoding, gzip: info.gzip, plain: body, layout });
  };

  function refuseBody(err: unknown, reply: FastifyReply, encoding: OtlpEncoding): FastifyReply {
    if (err instanceof InflateError && err.kind === 'too_large') {
      m.rejected.inc({ signal, reason: 'too_large' });
      log.warn('too_large', { signal }, err.message);
      return sendStatus(reply, 413, RpcCode.RESOURCE_EXHAUSTED, err.message, encoding);
    }
    if (err instanceof InflateError || err instanceof OtlpDecodeError) {
      m.rejected.inc({ signal, reason: 'decode_error' });
      log.warn('decode_error', { signal, encoding, error: err.message }, 'undecodable OTLP request');
      return sendStatus(reply, 400, RpcCode.INVALID_ARGUMENT, err.message, encoding);
    }
    throw err;
  }

  async function answer(
    decoded: DecodeResult<unknown>,
    reply: FastifyReply,
    body: OtlpBody,
  ): Promise<FastifyReply> {
    const { encoding } = body;
    signalOps.received(decoded.items.length);
    if (decoded.rejected > 0) {
      m.rejected.inc({ signal, reason: signalOps.invalidReason }, decoded.rejected);
      log.warn(
        signalOps.invalidReason,
        { signal, rejected: decoded.rejected, errors: decoded.errors },
        'OTLP items rejected as invalid',
      );
    }
    if (decoded.droppedAttributes > 0) m.droppedAttributes.inc({ signal }, decoded.droppedAttributes);
    const result: AcceptResult =
      decoded.items.length > 0 ? signalOps.accept(decoded.items, body) : { ok: true, rejected: 0 };
    if (!result.ok) {
      m.rejected.inc({ signal, reason: result.reason }, decoded.items.length);
      log.warn(result.reason, { signal }, `OTLP request refused: ${result.reason}`);
      const [http, code, message] = REFUSAL[result.reason];
      reply.header('retry-after', String(retryAfter));
      return sendStatus(reply, http, code, message, encoding);
    }
    if (result.durable) {
      // 200 only once the request is in the write-ahead log (and its evaluation events in
      // llm_scores or score_inbox); a failed write is retryable.
      try {
        await result.durable;
      } catch {
        m.rejected.inc({ signal, reason: 'log_failed' }, decoded.items.length);
        log.warn(
          'log_failed',
          { signal },
          'OTLP request refused: write-ahead log or score store write failed',
        );
        reply.header('retry-after', String(retryAfter));
        return sendStatus(
          reply,
          503,
          RpcCode.UNAVAILABLE,
          'collector could not keep the request (write-ahead log or score store unavailable), retry later',
          encoding,
        );
      }
    }
    if (result.rejected > 0) m.rejected.inc({ signal, reason: 'sink_rejected' }, result.rejected);
    const rejected = decoded.rejected + result.rejected;
    const messages = [...decoded.errors, ...(result.message ? [result.message] : [])];
    // Partial success also carries warnings (rejected 0, non-empty message), per the OTLP spec.
    const partial =
      rejected > 0 || messages.length > 0 ? { rejected, message: messages.join('; ') } : undefined;
    return reply
      .code(200)
      .type(CONTENT_TYPE[encoding])
      .send(encodeExportResponse(signal, encoding, partial));
  }
}
