import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from './breaker.ts';

function setup() {
  let t = 0;
  const states: BreakerState[] = [];
  const b = new CircuitBreaker({
    failureThreshold: 3,
    openForMs: 10_000,
    now: () => t,
    onChange: (s) => states.push(s),
  });
  return { b, states, advance: (ms: number) => (t += ms) };
}

describe('CircuitBreaker', () => {
  it('a failure that says how long (a 429 Retry-After) holds it open at least that long', () => {
    const { b, advance } = setup();
    for (let i = 0; i < 3; i++) b.failure(60_000);
    expect(b.admit()).toEqual({ ok: false, retryAfterMs: 60_000 });
    advance(30_000);
    expect(b.admit().ok).toBe(false);
    advance(30_000);
    expect(b.admit().ok).toBe(true);
    b.failure(1000); // a shorter hold never shortens open_for
    expect(b.admit()).toEqual({ ok: false, retryAfterMs: 10_000 });
  });

  it('opens after N consecutive failures; a success in between resets the count', () => {
    const { b, states } = setup();
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.current).toBe('closed');
    expect(b.admit().ok).toBe(true);
    b.failure();
    expect(b.current).toBe('open');
    expect(states).toEqual(['open']);
    expect(b.admit()).toEqual({ ok: false, retryAfterMs: 10_000 });
  });

  it('half-opens after open_for, lets one probe through, closes on its success', () => {
    const { b, states, advance } = setup();
    for (let i = 0; i < 3; i++) b.failure();
    advance(4000);
    expect(b.peek()).toEqual({ ok: false, retryAfterMs: 6000 });
    advance(6000);
    expect(b.peek().ok).toBe(true);
    expect(b.admit().ok).toBe(true); // the probe
    expect(b.current).toBe('half_open');
    expect(b.admit().ok).toBe(false); // only one probe at a time
    expect(b.peek().ok).toBe(false);
    b.success();
    expect(b.current).toBe('closed');
    expect(b.admit().ok).toBe(true);
    expect(states).toEqual(['open', 'half_open', 'closed']);
  });

  it('a failed probe opens it again for another open_for', () => {
    const { b, advance } = setup();
    for (let i = 0; i < 3; i++) b.failure();
    advance(10_000);
    expect(b.admit().ok).toBe(true);
    b.failure();
    expect(b.current).toBe('open');
    expect(b.remainingOpenMs()).toBe(10_000);
    advance(9999);
    expect(b.admit().ok).toBe(false);
  });

  it('a neutral outcome frees the probe without changing state', () => {
    const { b, advance } = setup();
    for (let i = 0; i < 3; i++) b.failure();
    advance(10_000);
    expect(b.admit().ok).toBe(true);
    b.release();
    expect(b.current).toBe('half_open');
    expect(b.admit().ok).toBe(true);
  });
});
