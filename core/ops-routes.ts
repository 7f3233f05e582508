import type { FastifyInstance } from 'fastify';
import { registry } from './metrics.ts';

/**
 * `GET /healthz`: 200 when `isReady`, else 503. Served on the ops port and on the collector's
 * OTLP port (load balancers check the port they send to).
 */
export function addHealthRoute(app: FastifyInstance, isReady: () => boolean): void {
  app.get('/healthz', async (_request, reply) =>
    isReady() ? reply.send({ status: 'ok' }) : reply.code(503).send({ status: 'unavailable' }),
  );
}

/**
 * `GET /healthz` and `GET /metrics` (this process's Prometheus registry) on the ops port of
 * every process. `/metrics` is never on the OTLP port, which is often published beyond loopback.
 */
export function addOpsRoutes(app: FastifyInstance, isReady: () => boolean): void {
  addHealthRoute(app, isReady);
  app.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}
