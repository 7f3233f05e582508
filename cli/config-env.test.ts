import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('environment overrides', () => {
  it('ASSAY_LOG_LEVEL sets log_level through the schema', () => {
    expect(loadConfig(undefined, { ASSAY_LOG_LEVEL: 'debug' }).log_level).toBe('debug');
    expect(loadConfig(undefined, {}).log_level).toBe('info');
  });

  it('a bad ASSAY_LOG_LEVEL fails the start naming log_level', () => {
    expect(() => loadConfig(undefined, { ASSAY_LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => loadConfig(undefined, { ASSAY_LOG_LEVEL: 'loud' })).toThrow(/log_level/);
  });
});
