import { z } from 'zod';
import { durationSchema } from '../core/duration.ts';
import { httpLimitsSchema } from '../core/http-limits.ts';

export const clickhouseConfigSchema = z
  .object({
    /** A ClickHouse HTTP(S) URL. Absent → the embedded engine (chdb) is started and used. */
    url: z.string().url().optional(),
    /** User Assay's roles connect as. Default `default`. */
    username: z.string().default('default'),
    /**
     * Its password, e.g. `${ASSAY_CLICKHOUSE_PASSWORD}`. Empty with the embedded engine: one is
     * generated on first start and kept in `<data_dir>/clickhouse.password`, which every role
     * with that `data_dir` reads. Default empty.
     */
    password: z.string().default(''),
    /** Database holding Assay's tables. Default `assay`. */
    database: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .default('assay'),
    /** Cluster name: migrations then emit ON CLUSTER, Replicated* and Distributed DDL. */
    cluster: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional(),
    /** Days rows are kept in `llm_calls` and `llm_scores` (TTL). Default 30. */
    ttl_days: z.number().int().positive().default(30),
    embedded: z
      .object({
        /** Address the embedded ClickHouse HTTP interface binds. Default 127.0.0.1. */
        host: z.string().default('127.0.0.1'),
        /** Port of the embedded ClickHouse HTTP interface. Default 8123. */
        port: z.number().int().min(0).max(65535).default(8123),
        /** Read-only user for dashboards and people (SELECT, SHOW, DESCRIBE, EXISTS). Default `reader`. */
        readonly_user: z.string().min(1).default('reader'),
        /** Its password; empty → generated into `<data_dir>/clickhouse-reader.password`. Default empty. */
        readonly_password: z.string().default(''),
        /**
         * Web origins (`http://localhost:3000`) whose pages may send requests; any other request
         * with an `Origin` header is refused, so a browser page cannot drive the server. Default none.
         */
        allowed_origins: z.array(z.string().min(1)).default([]),
        /** Largest request body as sent, in bytes (413 above). Default 256 MiB. */
        max_body_bytes: z
          .number()
          .int()
          .positive()
          .default(256 * 1024 ** 2),
        /** Largest request body after gzip decompression, in bytes (413 above). Default 64 MiB. */
        max_decompressed_bytes: z
          .number()
          .int()
          .positive()
          .default(64 * 1024 ** 2),
        /** Timeouts and connection bound of the embedded server. */
        http: httpLimitsSchema({
          request_timeout: '60s',
          headers_timeout: '10s',
          keep_alive_timeout: '10s',
          max_connections: 256,
        }),
      })
      .strict()
      .prefault({}),
    writer: z
      .object({
        /** Rows per insert at most. Default 5000. */
        batch_rows: z.number().int().positive().default(5000),
        /** Longest a row waits before its batch is sent. Default `1s`. */
        flush_interval: durationSchema.default(1000),
        /** Rows held in memory (buffer + in flight) before the collector answers 429 with Retry-After. Default 100000. */
        max_buffered_rows: z.number().int().positive().default(100_000),
        /** Disk spool used while ClickHouse is unreachable, in bytes. Default 1 GiB. */
        max_spool_bytes: z
          .number()
          .int()
          .positive()
          .default(1024 ** 3),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ClickhouseConfig = z.output<typeof clickhouseConfigSchema>;
export type EmbeddedClickhouseConfig = ClickhouseConfig['embedded'];
