import Fastify, { type FastifyInstance } from 'fastify';
import { applyHttpLimits, fastifyHttpOptions, type HttpLimits } from '../core/http-limits.ts';
import type { Logger } from '../core/logger.ts';
import { addOpsRoutes } from '../core/ops-routes.ts';

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * `GET /healthz` and `GET /metrics` of every process on `ops.host:ops.port`, so each role can be
 * health-checked and scraped on its own (the collector's OTLP port serves `/healthz` only).
 */
export async function startOpsServer(opts: {
  host: string;
  port: number;
  logger: Logger;
  isReady: () => boolean;
  http: HttpLimits;
}): Promise<OpsServer> {
  const app: FastifyInstance = Fastify({ logger: false, ...fastifyHttpOptions(opts.http) });
  applyHttpLimits(app.server, opts.http);
  addOpsRoutes(app, opts.isReady);
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://${opts.host}:${port}`;
  opts.logger.info({ url }, 'serving /healthz and /metrics');
  return { url, close: () => app.close() };
}
