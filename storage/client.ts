import { ClickHouseError, ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { ErrorClass } from '../core/retry.ts';
import type { ClickhouseConfig } from './config.ts';

/**
 * Idle sockets are dropped after this long, ms. It must stay below the server's keep-alive
 * timeout (ClickHouse Cloud 3 s, self-hosted and the embedded server 10 s) or a request can be
 * written to a socket the server is closing (ECONNRESET). The client's default, kept explicit.
 */
export const IDLE_SOCKET_TTL_MS = 2500;

/** Longest one request may take, ms: a 5,000-row insert or a dashboard query takes far less. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The ClickHouse client every stage uses. Tables are always named with their database
 * (`assay.llm_calls`), so the client's database stays `default`: migrations can then create
 * the database through the same client.
 */
export function createClickhouseClient(cfg: ClickhouseConfig, url: string): ClickHouseClient {
  return createClient({
    url,
    username: cfg.username,
    password: cfg.password,
    application: 'assay',
    request_timeout: REQUEST_TIMEOUT_MS,
    max_open_connections: 10,
    keep_alive: { enabled: true, idle_socket_ttl: IDLE_SOCKET_TTL_MS },
    // Errors reach callers, which classify and count them; the client's own console logging
    // would print one line per failed request while ClickHouse is down.
    log: { level: ClickHouseLogLevel.OFF },
    // Make DDL and inserts answer only once done, so an error is never hidden in a 200.
    clickhouse_settings: { wait_end_of_query: 1 },
  });
}

/** Node socket errors that mean "could not talk to the server", so trying again may work. */
const RETRYABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/**
 * ClickHouse exception codes that are transient: overload, timeouts, replication/keeper
 * trouble, the server going away. Everything else a server answers (syntax, unknown table or
 * column, type mismatch, unparsable data, ...) fails the same way on every retry.
 */
const RETRYABLE_CODES = new Set([
  3, // UNEXPECTED_END_OF_FILE
  159, // TIMEOUT_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  439, // CANNOT_SCHEDULE_TASK
  999, // KEEPER_EXCEPTION
  1000, // POCO_EXCEPTION
]);

/**
 * Decides whether a failed ClickHouse call may succeed if repeated, from the ClickHouse
 * exception code or the socket errno — never from message text. A failure that is neither (a
 * client timeout, an aborted request) happened on the way, so it is retryable; programming
 * errors in our own code (TypeError, RangeError) are not.
 */
export function classifyClickhouseError(err: unknown): ErrorClass {
  if (err instanceof ClickHouseError)
    return RETRYABLE_CODES.has(Number(err.code)) ? 'retryable' : 'permanent';
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return 'permanent';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && RETRYABLE_ERRNO.has(code)) return 'retryable';
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return 'permanent';
  return 'retryable';
}
