import { describe, expect, it } from 'vitest';
import { lengthBounds } from './length-bounds.ts';
import { paramsError, runCheck } from '../../test/support/checks.ts';
import type { CheckDeps } from './types.ts';

const learned = (p01: number, p99: number, n: number): CheckDeps => ({
  routeLengthStats: (route) => (route === '/api/support' ? { p01, p99, n } : null),
});

describe('length_bounds', () => {
  it.each([
    ['inside configured bounds', 'x'.repeat(50), { min_chars: 20, max_chars: 2000 }, true],
    ['too short', 'Ok.', { min_chars: 20, max_chars: 2000 }, false],
    ['too long', 'y'.repeat(2001), { min_chars: 20, max_chars: 2000 }, false],
    ['only a minimum', 'z'.repeat(100_000), { min_chars: 20 }, true],
    ['emoji count as one character each', '🎉'.repeat(20), { max_chars: 20 }, true],
    ['CJK', '退款'.repeat(15), { min_chars: 30, max_chars: 30 }, true],
  ])('%s', (_name, response, params, passed) => {
    expect(runCheck(lengthBounds, response, params)?.passed).toBe(passed);
  });

  it('counts the characters storage dropped', () => {
    const stored = `${'a'.repeat(100)}…[truncated 5000 chars]`;
    expect(runCheck(lengthBounds, stored, { max_chars: 2000 })).toMatchObject({
      passed: false,
      reason: 'answer too long: 5100 chars, bounds [0, 2000] (configured)',
    });
  });

  it('learns bounds from the route history: [p01/2, p99*2]', () => {
    const deps = learned(100, 800, 5000);
    expect(runCheck(lengthBounds, 'a'.repeat(300), {}, deps)?.passed).toBe(true);
    expect(runCheck(lengthBounds, 'a'.repeat(49), {}, deps)).toMatchObject({
      passed: false,
      reason: 'answer too short: 49 chars, bounds [50, 1600] (learned)',
    });
    expect(runCheck(lengthBounds, 'a'.repeat(1601), {}, deps)?.passed).toBe(false);
  });

  it('fills only the unset bound from history', () => {
    const deps = learned(100, 800, 5000);
    expect(runCheck(lengthBounds, 'a'.repeat(1700), { min_chars: 10 }, deps)?.passed).toBe(false);
    expect(runCheck(lengthBounds, 'a'.repeat(1700), { min_chars: 10, max_chars: 5000 }, deps)?.passed).toBe(
      true,
    );
  });

  it('is not applicable without bounds or enough history', () => {
    expect(runCheck(lengthBounds, 'Ok.')).toBeNull();
    expect(runCheck(lengthBounds, 'Ok.', {}, learned(100, 800, 50))).toBeNull();
    expect(
      runCheck(lengthBounds, { route: '/other', response: 'Ok.' }, {}, learned(100, 800, 5000)),
    ).toBeNull();
    expect(runCheck(lengthBounds, 'Ok.', { learned: false }, learned(100, 800, 5000))).toBeNull();
    expect(runCheck(lengthBounds, { response: '', finish_reason: 'tool_call' }, { min_chars: 5 })).toBeNull();
  });

  it('rejects bad params', () => {
    expect(paramsError(lengthBounds, { min_chars: 10, max_chars: 5 })).toMatch(
      /^min_chars: min_chars must not exceed/,
    );
    expect(paramsError(lengthBounds, { max_chars: 0 })).toMatch(/^max_chars/);
    expect(paramsError(lengthBounds, { learned_high_factor: 0.5 })).toMatch(/^learned_high_factor/);
  });
});
