import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describe, expect, it } from 'vitest';
import { classify } from './client.ts';

const http = (status: number, headers: Record<string, string> = {}) =>
  APIError.generate(status, { error: { message: 'x' } }, 'x', new Headers(headers));

describe('classify (judge endpoint errors)', () => {
  it.each([
    [
      '429 with Retry-After seconds',
      http(429, { 'retry-after': '3' }),
      { failure: 'rate_limited', class: 'retryable', health: 'failure', retryAfterMs: 3000 },
    ],
    [
      '429 with retry-after-ms',
      http(429, { 'retry-after-ms': '250' }),
      { failure: 'rate_limited', retryAfterMs: 250 },
    ],
    ['429 without a header', http(429), { failure: 'rate_limited', retryAfterMs: undefined }],
    ['500', http(500), { failure: 'server_error', class: 'retryable', health: 'failure' }],
    [
      '503 with Retry-After',
      http(503, { 'retry-after': '1' }),
      { failure: 'server_error', retryAfterMs: 1000 },
    ],
    ['408', http(408), { failure: 'server_error', class: 'retryable' }],
    [
      '401 (bad key: the breaker counts it)',
      http(401),
      { failure: 'client_error', class: 'permanent', health: 'failure' },
    ],
    [
      '404 (wrong model or URL)',
      http(404),
      { failure: 'client_error', class: 'permanent', health: 'failure' },
    ],
    [
      '400 (this request only)',
      http(400),
      { failure: 'client_error', class: 'permanent', health: 'neutral' },
    ],
    [
      'a timeout',
      new APIConnectionTimeoutError(),
      { failure: 'timeout', class: 'retryable', health: 'failure' },
    ],
    [
      'a refused connection',
      new APIConnectionError({ message: 'ECONNREFUSED' }),
      { failure: 'connection_error', class: 'retryable' },
    ],
    [
      'an abort (shutdown)',
      new APIUserAbortError(),
      { failure: 'aborted', class: 'permanent', health: 'neutral' },
    ],
    [
      'anything else',
      new TypeError('bug'),
      { failure: 'client_error', class: 'permanent', health: 'neutral' },
    ],
  ])('%s', (_name, err, expected) => {
    expect(classify(err)).toMatchObject(expected);
  });
});
