import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InflateError, encodingOf, gunzipCapped, isGzip } from './body.ts';

describe('encodingOf', () => {
  it('maps the two OTLP media types, ignoring parameters and case', () => {
    expect(encodingOf('application/x-protobuf')).toBe('protobuf');
    expect(encodingOf('Application/JSON; charset=utf-8')).toBe('json');
    expect(encodingOf('text/plain')).toBeUndefined();
    expect(encodingOf(undefined)).toBeUndefined();
  });
});

describe('isGzip', () => {
  it('knows gzip and identity, and nothing else', () => {
    expect(isGzip(undefined)).toBe(false);
    expect(isGzip('identity')).toBe(false);
    expect(isGzip('GZIP')).toBe(true);
    expect(isGzip('br')).toBeUndefined();
    expect(isGzip('deflate')).toBeUndefined();
  });
});

describe('gunzipCapped', () => {
  it('inflates bodies under the cap', async () => {
    const data = Buffer.from('x'.repeat(10_000));
    expect(await gunzipCapped(gzipSync(data), 10_000)).toEqual(data);
  });

  it('stops with too_large as soon as the output passes the cap', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    const err = await gunzipCapped(bomb, 64 * 1024).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InflateError);
    expect(err).toMatchObject({
      kind: 'too_large',
      message: 'request body exceeds 65536 bytes after decompression',
    });
  });

  it('reports invalid gzip data as invalid', async () => {
    const err = await gunzipCapped(Buffer.from('definitely not gzip'), 1000).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'invalid' });
    expect((err as Error).message).toMatch(/^invalid gzip body: /);
  });
});
