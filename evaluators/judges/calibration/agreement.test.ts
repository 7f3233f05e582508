import { describe, expect, it } from 'vitest';
import { agreementOf } from './agreement.ts';

const rep = (n: number, pair: [boolean, boolean]): Array<[boolean, boolean]> =>
  Array.from({ length: n }, () => pair);

describe("Cohen's kappa", () => {
  it.each([
    // Cohen (1960)-style 2x2 table: 20 pass/pass, 5 pass/fail, 10 fail/pass, 15 fail/fail.
    // raw 0.7; chance 0.5*0.6 + 0.5*0.4 = 0.5; kappa 0.4.
    [
      'a textbook table',
      [
        ...rep(20, [true, true]),
        ...rep(5, [true, false]),
        ...rep(10, [false, true]),
        ...rep(15, [false, false]),
      ],
      0.7,
      0.4,
    ],
    ['perfect agreement', [...rep(5, [true, true]), ...rep(5, [false, false])], 1, 1],
    ['every verdict flipped', [...rep(5, [true, false]), ...rep(5, [false, true])], 0, -1],
    [
      'chance level',
      [
        ...rep(5, [true, true]),
        ...rep(5, [true, false]),
        ...rep(5, [false, true]),
        ...rep(5, [false, false]),
      ],
      0.5,
      0,
    ],
  ] as const)('%s', (_name, pairs, raw, kappa) => {
    const a = agreementOf(pairs);
    expect(a.n).toBe(pairs.length);
    expect(a.raw).toBeCloseTo(raw, 10);
    expect(a.kappa).toBeCloseTo(kappa, 10);
  });

  it('is undefined when both raters give every item the same verdict, or there are no items', () => {
    expect(agreementOf(rep(4, [true, true])).kappa).toBeNull();
    expect(agreementOf([]).kappa).toBeNull();
  });
});
