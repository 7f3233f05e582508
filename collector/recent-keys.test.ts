import { describe, expect, it } from 'vitest';
import { RecentKeys } from './recent-keys.ts';

describe('RecentKeys', () => {
  it('remembers up to its capacity and forgets the oldest first', () => {
    const keys = new RecentKeys(3);
    for (const k of ['a', 'b', 'c']) keys.add(k);
    expect(['a', 'b', 'c'].map((k) => keys.has(k))).toEqual([true, true, true]);
    keys.add('d');
    expect(['a', 'b', 'c', 'd'].map((k) => keys.has(k))).toEqual([false, true, true, true]);
    keys.add('e');
    keys.add('f');
    expect(['b', 'c', 'd', 'e', 'f'].map((k) => keys.has(k))).toEqual([false, false, true, true, true]);
  });

  it('does not let a key added twice push out another one', () => {
    const keys = new RecentKeys(2);
    keys.add('a');
    keys.add('b');
    keys.add('b');
    expect(keys.has('a')).toBe(true);
  });

  it('stays exact after many times its capacity has cycled through', () => {
    const keys = new RecentKeys(1000);
    for (let i = 0; i < 50_000; i++) keys.add(`k${i}`);
    expect(keys.has('k48999')).toBe(false);
    expect(keys.has('k49000')).toBe(true);
    expect(keys.has('k49999')).toBe(true);
  });
});
