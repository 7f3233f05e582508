import { z } from 'zod';
import { durationSchema } from '../core/duration.ts';

export const clickhouseConfigSchema = z
  .object({
    /** A ClickHouse HTTP(S) URL. Absent → the embedded engine (chdb) is started and used. */
    url: z.string().url().optional(),
    username: z.string().default('default'),
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
      })
      .strict()
      .prefault({}),
    writer: z
      .object({
        /** Rows per insert at most. Default 5000. */
        batch_rows: z.number().int().positive().default(5000),
        /** Longest a row waits before its batch is sent. Default `1s`. */
        flush_interval: durationSchema.default(1000),
        /** Rows held in memory (buffer + in flight) before the collector answers 503. Default 100000. */
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
