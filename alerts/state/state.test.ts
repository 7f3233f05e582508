import { describe, expect, it } from 'vitest';
import { fingerprintOf, step, type AlertState, type Transition } from './state.ts';
import { createMemoryStateStore } from './state-store.ts';

const rule = { for: 2, resolve_after: 3, repeat_interval: 60_000 };
const fresh = { fingerprint: 'fp', rule: 'r', labels: { alertname: 'r' } };

/** Feeds breaches tick by tick (10 s apart) and returns phase and transition after each. */
function run(breaches: boolean[], start?: AlertState, r = rule): [string, Transition | undefined][] {
  let s = start;
  return breaches.map((b, i) => {
    const out = step(s, b, r, i * 10_000, fresh);
    s = out.state;
    return [s?.phase ?? 'inactive', out.transition];
  });
}

describe('alert state machine', () => {
  it.each<[string, boolean[], [string, Transition | undefined][]]>([
    [
      'fires after `for` breaching ticks',
      [true, true, true],
      [
        ['pending', 'pending'],
        ['firing', 'firing'],
        ['firing', undefined],
      ],
    ],
    [
      'a single breach never fires',
      [true, false, true, false],
      [
        ['pending', 'pending'],
        ['inactive', undefined],
        ['pending', 'pending'],
        ['inactive', undefined],
      ],
    ],
    [
      'resolves after `resolve_after` ticks in bounds',
      [true, true, false, false, false],
      [
        ['pending', 'pending'],
        ['firing', 'firing'],
        ['firing', undefined],
        ['firing', undefined],
        ['inactive', 'resolved'],
      ],
    ],
    [
      'flapping while firing stays one alert',
      [true, true, false, false, true, false, false, true],
      [
        ['pending', 'pending'],
        ['firing', 'firing'],
        ['firing', undefined],
        ['firing', undefined],
        ['firing', undefined],
        ['firing', undefined],
        ['firing', undefined],
        ['firing', undefined],
      ],
    ],
  ])('%s', (_name, breaches, expected) => {
    expect(run(breaches, undefined, { ...rule, repeat_interval: 3_600_000 })).toEqual(expected);
  });

  it('reminds every repeat_interval while firing', () => {
    const out = run(Array<boolean>(16).fill(true));
    const reminders = out.map(([, t], i) => (t === 'reminder' ? i : -1)).filter((i) => i >= 0);
    // Fired at tick 1 (10 s); reminders 60 s later each time: ticks 7 and 13.
    expect(reminders).toEqual([7, 13]);
  });

  it('for: 1 fires on the first breach', () => {
    expect(run([true], undefined, { ...rule, for: 1 })).toEqual([['firing', 'firing']]);
  });

  it('resumes from persisted state: no second firing, the resolve still comes', async () => {
    const store = createMemoryStateStore();
    let s: AlertState | undefined;
    for (const b of [true, true]) s = step(s, b, rule, 0, fresh).state;
    await store.save([s!], []);
    // "Restart": a new process loads the state and continues.
    const loaded = (await store.load()).get('fp');
    expect(loaded?.phase).toBe('firing');
    expect(run([true, false, false, false], loaded)).toEqual([
      ['firing', undefined],
      ['firing', undefined],
      ['firing', undefined],
      ['inactive', 'resolved'],
    ]);
  });

  it('fingerprints are stable and depend on the identifying labels only', () => {
    const a = fingerprintOf('r', { provider: 'acme', route: '/x' });
    expect(fingerprintOf('r', { route: '/x', provider: 'acme' })).toBe(a);
    expect(fingerprintOf('r', { provider: 'acme', route: '/y' })).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });
});
