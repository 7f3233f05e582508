import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fromApiItem, scoreItemSchema, type ExternalScore } from '../scores/item.ts';
import type { StoreResult } from '../scores/store.ts';
import { scoreMetrics as m } from '../scores/metrics.ts';
import { createBearerCheck } from './auth.ts';
import { InflateError, encodingOf, gunzipCapped, isGzip } from './body.ts';
import type { RateLimitedLog } from './rate-limited-log.ts';
import type { ReceiverConfig, ScoresEndpoint } from './types.ts';

export const SCORES_PATH = '/v1/scores';

/** Errors listed per rejected item in the answer at most (the count is always exact). */
const MAX_LISTED_ERRORS = 100;

/**
 * `POST /v1/scores`: a JSON batch `{ "scores": [...] }` of external scores and feedback, behind
 * the same bearer tokens as OTLP. Answers like OTLP/HTTP: 200 once every valid item is stored
 * (ClickHouse, synchronously), with `partialSuccess { rejectedScores, errorMessage }` and an
 * `errors` list (`index`, `reason`) when items were refused; 400 for a body that is not such a
 * batch, 401, 413 over the body size or `max_batch`, 415 for other media types, 503 with
 * Retry-After when ClickHouse cannot take it (nothing was half-kept: a retry is idempotent).
 */
export function addScoresRoute(
  app: FastifyInstance,
  endpoint: ScoresEndpoint,
  config: ReceiverConfig,
  log: RateLimitedLog,
): void {
  const authorized = createBearerCheck(config.api_keys);
  const send = (reply: FastifyReply, status: number, body: object): FastifyReply => {
    m.requests.inc({ status: String(status) });
    return reply.code(status).type('application/json').send(JSON.stringify(body));
  };
  const refuse = (reply: FastifyReply, status: number, reason: string, message: string): FastifyReply => {
    m.rejected.inc({ via: 'api', reason });
    log.warn(`scores_${reason}`, { path: SCORES_PATH }, message);
    return send(reply, status, { error: message });
  };
  app.route({
    method: 'POST',
    url: SCORES_PATH,
    onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
      if (!authorized(request.headers.authorization))
        return refuse(reply, 401, 'unauthorized', 'missing or invalid bearer token');
      if (encodingOf(request.headers['content-type']) !== 'json')
        return refuse(reply, 415, 'unsupported_media_type', 'use Content-Type: application/json');
      if (isGzip(request.headers['content-encoding']) === undefined)
        return refuse(reply, 415, 'unsupported_encoding', 'use Content-Encoding gzip or identity');
      return undefined;
    },
    handler: async (request, reply) => {
      let text: string;
      try {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const gzip = isGzip(request.headers['content-encoding']) === true;
        text = (gzip && raw.length > 0 ? await gunzipCapped(raw, config.max_body_bytes) : raw).toString(
          'utf8',
        );
      } catch (err) {
        if (err instanceof InflateError)
          return err.kind === 'too_large'
            ? refuse(reply, 413, 'too_large', err.message)
            : refuse(reply, 400, 'bad_request', err.message);
        throw err;
      }
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (err) {
        return refuse(reply, 400, 'bad_request', `body is not JSON: ${(err as Error).message}`);
      }
      const items = (doc as { scores?: unknown } | null)?.scores;
      if (!Array.isArray(items))
        return refuse(reply, 400, 'bad_request', 'body must be an object with a "scores" array');
      if (items.length > endpoint.maxBatch)
        return refuse(
          reply,
          413,
          'batch_too_large',
          `${items.length} scores in one request; at most ${endpoint.maxBatch} (collector.scores.max_batch)`,
        );
      const { valid, errors } = validate(items, endpoint.redact);
      let result: StoreResult = { stored: 0, waiting: 0, duplicates: 0 };
      if (valid.length > 0) {
        try {
          result = await endpoint.accept(valid);
        } catch (err) {
          m.rejected.inc({ via: 'api', reason: 'store_failed' }, valid.length);
          log.warn(
            'scores_store_failed',
            { error: (err as Error).message },
            'scores not stored: ClickHouse unavailable',
          );
          reply.header('retry-after', String(config.retry_after_seconds));
          return send(reply, 503, { error: 'scores could not be stored, retry later' });
        }
      }
      const body: Record<string, unknown> = { accepted: valid.length, ...result };
      if (errors.length > 0) {
        body['partialSuccess'] = {
          rejectedScores: errors.length,
          errorMessage: errors
            .slice(0, MAX_LISTED_ERRORS)
            .map((e) => `scores[${e.index}]: ${e.reason}`)
            .join('; '),
        };
        body['errors'] = errors.slice(0, MAX_LISTED_ERRORS);
      }
      return send(reply, 200, body);
    },
  });
}

function validate(
  items: unknown[],
  redact: (text: string) => string,
): { valid: ExternalScore[]; errors: { index: number; reason: string }[] } {
  const valid: ExternalScore[] = [];
  const errors: { index: number; reason: string }[] = [];
  items.forEach((item, index) => {
    const r = scoreItemSchema.safeParse(item);
    if (!r.success) {
      const reason = r.error.issues.map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`).join(', ');
      errors.push({ index, reason });
      m.rejected.inc({ via: 'api', reason: 'invalid_score' });
      return;
    }
    const score = fromApiItem(r.data, redact);
    m.received.inc({ via: 'api', kind: score.kind });
    valid.push(score);
  });
  return { valid, errors };
}
