import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

describe('keys read from their old place for one release', () => {
  it('sampling.worker is read as worker, with a deprecation naming both places', () => {
    const c = parseConfig({
      sampling: { rate: 0.5, worker: { concurrency: 7, reconcile: { enabled: false } } },
    });
    expect(c.worker.concurrency).toBe(7);
    expect(c.worker.reconcile.enabled).toBe(false);
    expect(c.worker.flush_interval).toBe(250);
    expect(c.sampling.rate).toBe(0.5);
    expect(c.deprecations).toEqual([
      'sampling.worker is deprecated and will stop being read in the next release: move it to worker',
    ]);
  });

  it('the new place gives no deprecation, and a bad old key is reported under its new path', () => {
    expect(parseConfig({ worker: { concurrency: 7 } }).deprecations).toEqual([]);
    expect(() => parseConfig({ sampling: { worker: { concurrency: 0 } } })).toThrow(/worker\.concurrency/);
  });

  it('both places set is an error that says which one to keep', () => {
    const both = { sampling: { worker: { concurrency: 7 } }, worker: { concurrency: 9 } };
    expect(() => parseConfig(both)).toThrow(ConfigError);
    expect(() => parseConfig(both)).toThrow(
      /sampling\.worker: deprecated and worker is set too; keep only worker/,
    );
  });

  it('does not change the document it was given', () => {
    const doc = { sampling: { worker: { concurrency: 7 } } };
    parseConfig(doc);
    expect(doc).toEqual({ sampling: { worker: { concurrency: 7 } } });
  });
});
