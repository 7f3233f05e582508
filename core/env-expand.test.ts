import { describe, expect, it } from 'vitest';
import { EnvExpansionError, expandEnv } from './env-expand.ts';

const env = { PW: 's3cr:t #x', EMPTY: '', PORT: '9000' };

describe('expandEnv', () => {
  it('expands ${NAME} and ${NAME:-default} in string values, anywhere in them', () => {
    expect(
      expandEnv(
        {
          clickhouse: { password: '${PW}', url: 'http://${HOST:-127.0.0.1}:${PORT}', port: 8123 },
          collector: { api_keys: ['${PW}', 'fixed-key-1'] },
          empty: '${EMPTY:-fallback}',
          literal: 'cost $5, $${NOT_EXPANDED}',
        },
        env,
      ),
    ).toEqual({
      clickhouse: { password: 's3cr:t #x', url: 'http://127.0.0.1:9000', port: 8123 },
      collector: { api_keys: ['s3cr:t #x', 'fixed-key-1'] },
      empty: 'fallback',
      literal: 'cost $5, ${NOT_EXPANDED}',
    });
  });

  it('names the key path and the variable when one is unset without a default', () => {
    expect(() => expandEnv({ collector: { api_keys: ['${ASSAY_API_KEY}'] } }, env)).toThrow(
      new EnvExpansionError(
        'collector.api_keys[0]: environment variable ASSAY_API_KEY is not set (use ${ASSAY_API_KEY:-default} for a default)',
      ),
    );
    expect(() => expandEnv({ a: '${EMPTY}' }, env)).toThrow(/a: environment variable EMPTY is not set/);
  });

  it('refuses malformed references', () => {
    expect(() => expandEnv({ a: '${PW' }, env)).toThrow(/a: unterminated/);
    expect(() => expandEnv({ a: '${1X}' }, env)).toThrow(/a: \$\{1X\} is not a variable reference/);
  });
});
