import { describe, expect, it } from 'vitest';
import { createProgressReporter, formatLine, plainLines } from './progress.ts';

/** A non-TTY stream that records what is written. */
function sink() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe('assay evaluate progress', () => {
  it('a plain line: done of total, percentage, failures, rate and ETA from what this process saw', () => {
    const p = { total: 600, done: 300, failed: 2, resumedFrom: 100 };
    expect(formatLine(p, 10)).toBe('evaluate: 300/600 calls (50.0%), 2 failed, 20.0 calls/s, eta 15s');
    expect(formatLine({ ...p, done: 100 }, 10)).toContain('eta unknown');
    expect(formatLine({ total: 50_000, done: 1000, failed: 0, resumedFrom: 0 }, 10)).toContain('eta 8m10s');
  });

  it('off a terminal, prints plain lines at most once per interval and the last one at stop', () => {
    const { stream, lines } = sink();
    let t = 0;
    const r = plainLines({ stream, lineEveryMs: 2000, now: () => t });
    r.update({ total: 10, done: 1, failed: 0, resumedFrom: 0 });
    t = 500;
    r.update({ total: 10, done: 2, failed: 0, resumedFrom: 0 });
    t = 2500;
    r.update({ total: 10, done: 5, failed: 0, resumedFrom: 0 });
    t = 2600;
    r.update({ total: 10, done: 10, failed: 0, resumedFrom: 0 });
    r.stop();
    r.stop();
    expect(lines.map((l) => l.split(' calls')[0])).toEqual([
      'evaluate: 1/10',
      'evaluate: 5/10',
      'evaluate: 10/10',
    ]);
  });

  it('chooses plain lines when the stream is not a terminal', () => {
    const { stream, lines } = sink();
    const r = createProgressReporter({ stream });
    r.update({ total: 3, done: 3, failed: 0, resumedFrom: 0 });
    r.stop();
    expect(lines[0]).toMatch(/^evaluate: 3\/3 calls \(100\.0%\)/);
  });
});
