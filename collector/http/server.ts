import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { applyHttpLimits, fastifyHttpOptions } from '../../core/http-limits.ts';
import { addHealthRoute } from '../../core/ops-routes.ts';
import { collectorConfigSchema } from '../config.ts';
import { RpcCode, type OtlpSignal } from '../otlp/index.ts';
import { createBearerCheck } from './auth.ts';
import { encodingOf, isGzip } from './body.ts';
import { receiverMetrics as m } from './metrics.ts';
import { createOtlpHandler, requestInfo, sendStatus } from './otlp-route.ts';
import { createRateLimitedLog, type RateLimitedLog } from './rate-limited-log.ts';
import { addScoresRoute } from './scores-route.ts';
import type { ReceiverDeps } from './types.ts';

const PATHS: Record<OtlpSignal, string> = { traces: '/v1/traces', logs: '/v1/logs' };
const NOT_POST = ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * The OTLP/HTTP receiver: `POST /v1/traces` and `/v1/logs` (protobuf or JSON, optionally
 * gzip), `POST /v1/scores` when `deps.scores` is given (scores-route.ts) and `GET /healthz` (`/metrics` is on the ops port). Behaviour follows OTLP/HTTP (`reference/otel-genai-
 * conventions.md` §6): 415 for other media types and encodings, 405 for other methods, 401
 * without a valid bearer token (when keys are configured), 413 over the size cap (as sent and
 * after decompression), 400 with the reason for undecodable bodies. Fastify's own logger is
 * off; bad requests are counted in metrics and logged at most once per interval per reason.
 */
export function createReceiverServer(deps: ReceiverDeps): FastifyInstance {
  const limits = deps.config.http ?? collectorConfigSchema.parse({}).http;
  const app = Fastify({
    logger: false,
    bodyLimit: deps.config.max_body_bytes,
    exposeHeadRoutes: false,
    // While closing, refuse new requests with 503 (exporters retry) and let in-flight ones finish.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Slow or idle clients are cut off (request, header and keep-alive timeouts, a connection bound).
    ...fastifyHttpOptions(limits),
  });
  applyHttpLimits(app.server, limits);
  const log = createRateLimitedLog(deps.logger, undefined, deps.now);
  // Only OTLP bodies are read, always as raw bytes: the media type was checked in onRequest.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: FastifyError, request, reply) => onError(err, request, reply, log, deps));

  for (const signal of ['traces', 'logs'] as const) {
    app.route({
      method: 'POST',
      url: PATHS[signal],
      onRequest: checkRequest(deps, signal, log),
      onResponse: async (request, reply) => {
        const encoding = requestInfo.get(request.raw)?.encoding ?? 'unknown';
        m.requests.inc({ signal, encoding, status: String(reply.statusCode) });
      },
      handler: createOtlpHandler(deps, signal, log),
    });
    app.route({
      method: [...NOT_POST],
      url: PATHS[signal],
      handler: async (_request, reply) =>
        sendStatus(
          reply.header('allow', 'POST'),
          405,
          RpcCode.UNIMPLEMENTED,
          `${PATHS[signal]} accepts POST only`,
        ),
    });
  }
  if (deps.scores) addScoresRoute(app, deps.scores, deps.config, log);
  addHealthRoute(app, deps.isReady);
  return app;
}

/** Auth, media type and content encoding, before any body byte is read. */
function checkRequest(deps: ReceiverDeps, signal: OtlpSignal, log: RateLimitedLog) {
  const authorized = createBearerCheck(deps.config.api_keys);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const encoding = encodingOf(request.headers['content-type']);
    const gzip = isGzip(request.headers['content-encoding']);
    requestInfo.set(request.raw, { signal, encoding, gzip: gzip ?? false });
    // Returning the reply from an async hook ends the request here (Fastify hook contract).
    const refuse = (http: number, code: number, reason: string, message: string): FastifyReply => {
      m.rejected.inc({ signal, reason });
      log.warn(reason, { signal }, message);
      return sendStatus(reply, http, code, message, encoding);
    };
    if (!authorized(request.headers.authorization)) {
      return refuse(401, RpcCode.UNAUTHENTICATED, 'unauthorized', 'missing or invalid bearer token');
    }
    if (!encoding) {
      const given = request.headers['content-type'] ?? '(none)';
      return refuse(
        415,
        RpcCode.INVALID_ARGUMENT,
        'unsupported_media_type',
        `unsupported content type ${given}: use application/x-protobuf or application/json`,
      );
    }
    if (gzip === undefined) {
      const given = request.headers['content-encoding'] ?? '';
      return refuse(
        415,
        RpcCode.INVALID_ARGUMENT,
        'unsupported_encoding',
        `unsupported content encoding ${given}: use gzip or identity`,
      );
    }
    return undefined;
  };
}

/** Errors Fastify raises while reading the body (size limit, bad Content-Length, aborted upload). */
function onError(
  err: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  log: RateLimitedLog,
  deps: ReceiverDeps,
): FastifyReply {
  const info = requestInfo.get(request.raw);
  const signal = info?.signal ?? 'unknown';
  const status = err.statusCode ?? 500;
  if (status === 413) {
    const message = `request body exceeds ${deps.config.max_body_bytes} bytes`;
    m.rejected.inc({ signal, reason: 'too_large' });
    log.warn('too_large', { signal }, message);
    return sendStatus(reply, 413, RpcCode.RESOURCE_EXHAUSTED, message, info?.encoding);
  }
  if (status >= 400 && status < 500) {
    m.rejected.inc({ signal, reason: 'bad_request' });
    log.warn('bad_request', { signal, code: err.code }, err.message);
    return sendStatus(reply, status, RpcCode.INVALID_ARGUMENT, err.message, info?.encoding);
  }
  deps.logger.error({ err, signal }, 'OTLP receiver failed on a request');
  return sendStatus(reply, 500, 13, 'internal error', info?.encoding);
}
