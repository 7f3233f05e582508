import { describe, expect, it } from 'vitest';
import { scoreExportConfigSchema } from './config.ts';
import { logsUrl } from './score-exporter.ts';

describe('score_export config', () => {
  it('is off by default and needs an endpoint when on', () => {
    expect(scoreExportConfigSchema.parse({}).enabled).toBe(false);
    const r = scoreExportConfigSchema.safeParse({ enabled: true });
    expect(r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'endpoint: required when score_export is enabled',
    ]);
    const big = scoreExportConfigSchema.safeParse({ max_queue: 10, batch_size: 20 });
    expect(big.success).toBe(false);
  });

  it('appends /v1/logs to a base URL, once', () => {
    expect(logsUrl('http://otel:4318')).toBe('http://otel:4318/v1/logs');
    expect(logsUrl('http://otel:4318/')).toBe('http://otel:4318/v1/logs');
    expect(logsUrl('https://x.example/otlp/v1/logs')).toBe('https://x.example/otlp/v1/logs');
  });
});
