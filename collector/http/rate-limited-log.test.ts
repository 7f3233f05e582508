import { describe, expect, it } from 'vitest';
import type { Logger } from '../../core/logger.ts';
import { createRateLimitedLog } from './rate-limited-log.ts';

describe('createRateLimitedLog', () => {
  it('logs once per reason per interval and reports how many it held back', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = { warn: (fields: Record<string, unknown>) => lines.push(fields) } as unknown as Logger;
    let now = 0;
    const log = createRateLimitedLog(logger, 1000, () => now);
    for (let i = 0; i < 5; i++) log.warn('decode_error', {}, 'bad');
    log.warn('too_large', {}, 'big');
    now = 1000;
    log.warn('decode_error', {}, 'bad');
    expect(lines).toEqual([
      { reason: 'decode_error', suppressed: 0 },
      { reason: 'too_large', suppressed: 0 },
      { reason: 'decode_error', suppressed: 4 },
    ]);
  });
});
