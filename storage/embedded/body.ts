import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { EngineError } from './errors.ts';

const gunzipAsync = promisify(gunzip);

/** Caps on a request body (`clickhouse.embedded.max_body_bytes` / `max_decompressed_bytes`). */
export interface BodyLimits {
  maxBodyBytes: number;
  maxDecompressedBytes: number;
}

const tooLarge = (message: string): EngineError => new EngineError(369, 'QUERY_IS_TOO_LARGE', message);

/**
 * Reads a request body within the caps: refused from its Content-Length when that already says
 * too much, else as soon as the bytes received pass the cap; a gzip body is inflated with zlib's
 * `maxOutputLength`, so a bomb (a small body that expands hugely) stops at the cap instead of
 * filling memory.
 */
export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const over = `Request body exceeds ${limits.maxBodyBytes} bytes (clickhouse.embedded.max_body_bytes)`;
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limits.maxBodyBytes) throw tooLarge(over);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limits.maxBodyBytes) throw tooLarge(over);
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks);
  const encoding = (req.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === '' || encoding === 'identity') return raw;
  if (encoding !== 'gzip')
    throw new EngineError(432, 'UNKNOWN_CODEC', `Unsupported Content-Encoding ${encoding}`);
  try {
    return await gunzipAsync(raw, { maxOutputLength: limits.maxDecompressedBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw tooLarge(
        `Decompressed request body exceeds ${limits.maxDecompressedBytes} bytes (clickhouse.embedded.max_decompressed_bytes)`,
      );
    throw new EngineError(432, 'UNKNOWN_CODEC', 'Cannot decompress the gzip request body');
  }
}
