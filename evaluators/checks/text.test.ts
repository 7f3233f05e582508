import { describe, expect, it } from 'vitest';
import { CharClasses } from './text.ts';

const LETTER = 1;
const OTHER = 2;
const classes = new CharClasses((ch) => (/^\p{L}$/u.test(ch) ? LETTER : OTHER));
/** Each character's class and width, walking the text as the checks do. */
function walk(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < text.length;) {
    const at = classes.at(text, i);
    out.push([at >> 2, at & 3]);
    i += at & 3;
  }
  return out;
}

describe('CharClasses', () => {
  it('classifies a surrogate pair as its code point, two code units wide', () => {
    // U+20000 (CJK Extension B) is a letter; U+1F600 (an emoji) is not.
    expect(walk('a\u{20000}\u{1f600}')).toEqual([
      [LETTER, 1],
      [LETTER, 2],
      [OTHER, 2],
    ]);
  });

  it('reads a lone surrogate as one code unit, and the letter after it as a letter', () => {
    expect(walk('\ud800ab')).toEqual([
      [OTHER, 1],
      [LETTER, 1],
      [LETTER, 1],
    ]);
    expect(walk('a\udc00')).toEqual([
      [LETTER, 1],
      [OTHER, 1],
    ]);
    expect(walk('\ud800')).toEqual([[OTHER, 1]]);
  });
});
