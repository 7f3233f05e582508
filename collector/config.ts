import { z } from 'zod';
import { durationSchema } from '../core/duration.ts';
import { httpLimitsSchema } from '../core/http-limits.ts';
import { scoresConfigSchema } from './scores/config.ts';
import { durabilityConfigSchema } from './wal/config.ts';

/**
 * Attribute keys that name a route explicitly, in precedence order (first present wins), on
 * the LLM span or any ancestor. From `reference/otel-genai-conventions.md` §5 and §8.
 */
export const DEFAULT_ROUTE_KEYS = [
  'assay.route',
  'traceloop.workflow.name',
  'ai.telemetry.functionId',
  'resource.name',
  'gen_ai.workflow.name',
  'gen_ai.agent.name',
  'agent.name',
  'langfuse.trace.name',
] as const;

const redactionRuleSchema = z
  .object({
    /** Name shown in the replacement, e.g. `[REDACTED:ssn]`. */
    name: z.string().regex(/^[a-z0-9_]+$/),
    /** A JavaScript regular expression (without slashes); applied with the `g` flag. */
    pattern: z.string().refine(
      (p) => {
        try {
          new RegExp(p, 'g');
          return true;
        } catch {
          return false;
        }
      },
      { message: 'not a valid regular expression' },
    ),
  })
  .strict();

export const redactionConfigSchema = z
  .object({
    /** Redact before storage and before anything is sent to a judge. Default true. */
    enabled: z.boolean().default(true),
    /** Email addresses. Default true. */
    emails: z.boolean().default(true),
    /** Card numbers that pass the Luhn check. Default true. */
    card_numbers: z.boolean().default(true),
    /** API keys and secrets (OpenAI/Anthropic/AWS/GitHub/Slack/bearer tokens…). Default true. */
    api_keys: z.boolean().default(true),
    /** Extra patterns. Default none. */
    custom: z.array(redactionRuleSchema).default([]),
  })
  .strict();

const priceSchema = z
  .object({
    /** USD per million input tokens. */
    input_per_mtok: z.number().nonnegative(),
    /** USD per million output tokens. */
    output_per_mtok: z.number().nonnegative(),
    /** USD per million input tokens read from a prompt cache. Default: the input price. */
    cached_input_per_mtok: z.number().nonnegative().optional(),
    /** USD per million input tokens written to a prompt cache. Default: the input price. */
    cache_write_per_mtok: z.number().nonnegative().optional(),
    /** USD per million reasoning tokens. Default: the output price. */
    reasoning_per_mtok: z.number().nonnegative().optional(),
  })
  .strict();

export const collectorConfigSchema = z
  .object({
    /** Address the OTLP/HTTP receiver binds. Default 127.0.0.1. */
    host: z.string().default('127.0.0.1'),
    /** OTLP/HTTP port (`/v1/traces`, `/v1/logs`, `/healthz`; `/metrics` is on `ops.port`). Default 4318. */
    port: z.number().int().min(0).max(65535).default(4318),
    /** Bearer tokens accepted on OTLP requests; empty = no auth. Default []. */
    api_keys: z.array(z.string().min(8)).default([]),
    /** Largest request body, after decompression, in bytes (413 above). Default 16 MiB. */
    max_body_bytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024),
    /** Timeouts and connection bound of the OTLP/HTTP server. */
    http: httpLimitsSchema({
      request_timeout: '30s',
      headers_timeout: '10s',
      keep_alive_timeout: '30s',
      max_connections: 1024,
    }),
    /** `Retry-After` seconds sent with 429 (full) and 503 (shutting down). Kept small: OTel exporters drop on long waits. Default 2. */
    retry_after_seconds: z.number().int().min(0).max(60).default(2),
    route: z
      .object({
        /** Attribute keys naming a route explicitly, first present wins. */
        keys: z.array(z.string()).default([...DEFAULT_ROUTE_KEYS]),
        /** How long a call waits for its ancestor SERVER span to arrive. Default `3s`. */
        wait: durationSchema.default(3000),
        /** Calls waiting for their route at most (bounded memory; the collector answers 429 above). Default 50000. */
        max_pending_calls: z.number().int().positive().default(50_000),
        /** Traces whose span tree is remembered for late children. Default 20000. */
        max_traces: z.number().int().positive().default(20_000),
        /** Route when nothing better is known: `root_span` name, else this literal. Default `unknown`. */
        fallback: z.string().default('unknown'),
      })
      .strict()
      .prefault({}),
    join_store: z
      .object({
        /**
         * Where the per-trace join state lives (routes from later SERVER spans, log-record content,
         * ancestors' names): `memory`, this collector's own (one collector, or several behind a
         * trace-aware balancer), or `redis`, shared through the `redis` section's server or cluster
         * by collectors behind a plain round-robin balancer. Default `memory`.
         */
        type: z.enum(['memory', 'redis']).default('memory'),
        /** Entries (spans, log records) one trace holds in Redis at most; more are dropped, counted. Default 1000. */
        max_entries_per_trace: z.number().int().min(16).max(4000).default(1000),
        /** A Redis round trip slower than this counts as failed: calls go on with what this collector knows. Default `500ms`. */
        timeout: durationSchema.default(500),
      })
      .strict()
      .prefault({}),
    content: z
      .object({
        /** Store prompt and response text. Default true. */
        capture: z.boolean().default(true),
        /** Characters kept of prompt and of response each. Default 16384. */
        max_chars: z.number().int().positive().default(16_384),
      })
      .strict()
      .prefault({}),
    tokens: z
      .object({
        /**
         * Estimate the token counts a span leaves out from its prompt and answer text (marked
         * `tokens_estimated = 1`, and priced). Off: a call keeps the counts its span reported (0
         * where none), and is priced by those. Default true.
         */
        estimate: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    redaction: redactionConfigSchema.prefault({}),
    /** The write-ahead log behind every 200 (collector/wal/config.ts). */
    durability: durabilityConfigSchema.prefault({}),
    /** Price overrides and additions, by model name (exact, or the longest matching prefix). */
    prices: z.record(z.string(), priceSchema).default({}),
    /** Scores from outside Assay: `POST /v1/scores` and evaluation events (collector/scores/config.ts). */
    scores: scoresConfigSchema.prefault({}),
  })
  .strict();

export type CollectorConfig = z.output<typeof collectorConfigSchema>;
export type RedactionConfig = z.output<typeof redactionConfigSchema>;
