import { ClickHouseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { classifyClickhouseError } from './client.ts';

const chError = (code: number) => new ClickHouseError({ message: 'x', code: String(code), type: 'X' });
const sysError = (code: string) => Object.assign(new Error('boom'), { code });

describe('classifyClickhouseError', () => {
  it.each([
    ['TOO_MANY_PARTS', chError(252)],
    ['TIMEOUT_EXCEEDED', chError(159)],
    ['MEMORY_LIMIT_EXCEEDED', chError(241)],
    ['TABLE_IS_READ_ONLY', chError(242)],
    ['SOCKET_TIMEOUT', chError(209)],
    ['NETWORK_ERROR', chError(210)],
    ['KEEPER_EXCEPTION', chError(999)],
    ['ECONNREFUSED', sysError('ECONNREFUSED')],
    ['ECONNRESET (socket hang up)', sysError('ECONNRESET')],
    ['EPIPE', sysError('EPIPE')],
    ['ETIMEDOUT', sysError('ETIMEDOUT')],
    ['client timeout (no code)', new Error('Timeout error.')],
  ])('%s is retryable', (_name, err) => {
    expect(classifyClickhouseError(err)).toBe('retryable');
  });

  it.each([
    ['SYNTAX_ERROR', chError(62)],
    ['UNKNOWN_TABLE', chError(60)],
    ['NO_SUCH_COLUMN_IN_TABLE', chError(16)],
    ['UNKNOWN_IDENTIFIER', chError(47)],
    ['TYPE_MISMATCH', chError(53)],
    ['CANNOT_PARSE_INPUT_ASSERTION_FAILED', chError(27)],
    ['CANNOT_PARSE_QUOTED_STRING', chError(26)],
    ['CANNOT_PARSE_TEXT', chError(6)],
    ['CANNOT_PARSE_NUMBER', chError(72)],
    ['a bug in our code', new TypeError('x is undefined')],
    ['EACCES', sysError('EACCES')],
  ])('%s is permanent', (_name, err) => {
    expect(classifyClickhouseError(err)).toBe('permanent');
  });

  it('ignores the message text', () => {
    const err = new ClickHouseError({
      message: 'Timeout exceeded, connection refused',
      code: '62',
      type: 'SYNTAX_ERROR',
    });
    expect(classifyClickhouseError(err)).toBe('permanent');
  });
});
