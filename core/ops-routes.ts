import type { FastifyInstance } from 'fastify';
import { registry } from './metrics.ts';

/**
 * `GET /healthz` (200 when `isReady`, else 503) and `GET /metrics` (this process's Prometheus
 * registry), on whichever server a process exposes: the collector's OTLP port, or the ops port
 * of a process without a collector.
 */
export function addOpsRoutes(app: FastifyInstance, isReady: () => boolean): void {
  app.get('/healthz', async (_request, reply) =>
    isReady() ? reply.send({ status: 'ok' }) : reply.code(503).send({ status: 'unavailable' }),
  );
  app.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}
