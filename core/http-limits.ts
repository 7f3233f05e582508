import type { IncomingMessage, Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import { z } from 'zod';
import { durationSchema, parseDuration } from './duration.ts';

/** Timeouts and the connection bound of one HTTP server Assay opens (`*.http` in the config). */
export interface HttpLimits {
  /** Longest a client may take to send a whole request (headers and body), ms. */
  request_timeout: number;
  /** Longest a client may take to send the request headers, ms (slow-loris bound). */
  headers_timeout: number;
  /** How long an idle keep-alive connection is kept open after a response, ms. */
  keep_alive_timeout: number;
  /** Open connections at most; further ones are closed as they arrive. */
  max_connections: number;
}

/** The `http` section of a server's config, with that server's defaults (written as `30s`). */
export function httpLimitsSchema(defaults: {
  request_timeout: string;
  headers_timeout: string;
  keep_alive_timeout: string;
  max_connections: number;
}) {
  return z
    .object({
      request_timeout: durationSchema.default(parseDuration(defaults.request_timeout)),
      headers_timeout: durationSchema.default(parseDuration(defaults.headers_timeout)),
      keep_alive_timeout: durationSchema.default(parseDuration(defaults.keep_alive_timeout)),
      max_connections: z.number().int().positive().default(defaults.max_connections),
    })
    .strict()
    .refine((l) => l.headers_timeout <= l.request_timeout, {
      message: 'headers_timeout must not exceed request_timeout',
      path: ['headers_timeout'],
    })
    .prefault({});
}

/**
 * How often Node looks for requests past their header or request timeout, ms. Node's default
 * (30 s) would let a slow client outlive a 10 s `headers_timeout` by up to 30 s.
 */
function checkingInterval(l: HttpLimits): number {
  return Math.max(100, Math.min(1000, Math.floor(l.headers_timeout / 4)));
}

/** Options for `http.createServer` (what can only be set when the server is made). */
export function httpServerOptions(l: HttpLimits): ServerOptions {
  return {
    requestTimeout: l.request_timeout,
    headersTimeout: l.headers_timeout,
    keepAliveTimeout: l.keep_alive_timeout,
    connectionsCheckingInterval: checkingInterval(l),
  };
}

/** Options for Fastify, which sets request and keep-alive timeouts on its server itself. */
export function fastifyHttpOptions(l: HttpLimits): {
  requestTimeout: number;
  keepAliveTimeout: number;
  http: ServerOptions;
} {
  return {
    requestTimeout: l.request_timeout,
    keepAliveTimeout: l.keep_alive_timeout,
    http: httpServerOptions(l),
  };
}

/**
 * The limits that are set on a created server: the connection bound, and a deadline for the
 * first request's headers counted from the connection. Node's own `headersTimeout` starts only
 * once the parser has seen the start of a message (a socket that sends nothing is never cut;
 * one that sends a byte a second is cut seconds late); for later requests on a keep-alive
 * connection it and `keepAliveTimeout` are what applies.
 */
export function applyHttpLimits(server: Server, l: HttpLimits): void {
  server.maxConnections = l.max_connections;
  const deadlines = new WeakMap<Socket, NodeJS.Timeout>();
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), l.headers_timeout);
    timer.unref();
    deadlines.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });
  server.on('request', (req: IncomingMessage) => {
    const timer = deadlines.get(req.socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    deadlines.delete(req.socket);
  });
}
