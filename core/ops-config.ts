import { z } from 'zod';
import { httpLimitsSchema } from './http-limits.ts';

/**
 * The `ops` section: where every process serves `/healthz` and `/metrics` (the collector's OTLP
 * port serves `/healthz` only, so metrics are not published with it).
 */
export const opsConfigSchema = z
  .object({
    /** Default 127.0.0.1 (0.0.0.0 in a container, so Prometheus can scrape it). */
    host: z.string().default('127.0.0.1'),
    /** Default 9464; 0 = any free port (logged). */
    port: z.number().int().min(0).max(65535).default(9464),
    /** Timeouts and connection bound of the ops server. */
    http: httpLimitsSchema({
      request_timeout: '10s',
      headers_timeout: '5s',
      keep_alive_timeout: '5s',
      max_connections: 64,
    }),
  })
  .strict();

export type OpsConfig = z.output<typeof opsConfigSchema>;
