import { z } from 'zod';
import { durationSchema } from '../../core/duration.ts';

/**
 * `score_export`: every score the worker writes, also sent as an OpenTelemetry
 * `gen_ai.evaluation.result` log record over OTLP/HTTP (JSON) to another backend or an OTel
 * Collector, with the call's trace and span ids, so traces there show Assay's verdicts.
 */
export const scoreExportConfigSchema = z
  .object({
    /** Export scores. Default false. */
    enabled: z.boolean().default(false),
    /**
     * OTLP/HTTP base URL (`/v1/logs` is appended unless the URL already ends with it), e.g.
     * `http://otel-collector:4318`. Required when enabled.
     */
    endpoint: z.string().url().optional(),
    /** Extra headers, e.g. `{ authorization: 'Bearer ${TOKEN}' }`. Default none. */
    headers: z.record(z.string(), z.string()).default({}),
    /** Records waiting to be sent at most; more are dropped and counted. Default 10000. */
    max_queue: z.number().int().min(1).default(10_000),
    /** Records per export request at most. Default 512. */
    batch_size: z.number().int().min(1).max(10_000).default(512),
    /** Longest a record waits before its batch is sent. Default `1s`. */
    flush_interval: durationSchema.default(1000),
    /** Per export request, retries included (429/502/503/504 and network errors are retried with backoff). Default `30s`. */
    timeout: durationSchema.default(30_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.enabled && !c.endpoint)
      ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'required when score_export is enabled' });
    if (c.batch_size > c.max_queue)
      ctx.addIssue({ code: 'custom', path: ['batch_size'], message: 'must not exceed max_queue' });
  });

export type ScoreExportConfig = z.output<typeof scoreExportConfigSchema>;
