import { gunzip } from 'node:zlib';
import type { OtlpEncoding } from '../otlp/index.ts';

/** The body encoding named by a Content-Type (parameters such as `charset` ignored), or undefined. */
export function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const media = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (media === 'application/x-protobuf') return 'protobuf';
  if (media === 'application/json') return 'json';
  return undefined;
}

/** Content-Encoding → whether to gunzip; undefined for encodings the spec does not name. */
export function isGzip(contentEncoding: string | undefined): boolean | undefined {
  const e = (contentEncoding ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return false;
  if (e === 'gzip' || e === 'x-gzip') return true;
  return undefined;
}

/** Why a body could not be inflated: over the cap (→ 413) or not valid gzip (→ 400). */
export class InflateError extends Error {
  constructor(
    readonly kind: 'too_large' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Gunzips with a running output cap: zlib's `maxOutputLength` aborts the inflate as soon as the
 * output passes `maxBytes`, so a gzip bomb costs at most `maxBytes` of memory and the CPU to
 * get there, never its full expansion. Errors are told apart by `code`, not message text.
 */
export function gunzipCapped(body: Buffer, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: maxBytes }, (err, out) => {
      if (!err) return resolve(out);
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        reject(new InflateError('too_large', `request body exceeds ${maxBytes} bytes after decompression`));
      } else {
        reject(new InflateError('invalid', `invalid gzip body: ${err.message}`));
      }
    });
  });
}
