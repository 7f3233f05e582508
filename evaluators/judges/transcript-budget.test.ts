import { describe, expect, it } from 'vitest';
import { approximateTokens, truncateMiddle } from './transcript-budget.ts';

describe('truncateMiddle', () => {
  it('leaves a transcript within the budget as it is', () => {
    expect(truncateMiddle('user: hi\n\nassistant: hello', 100)).toEqual({
      text: 'user: hi\n\nassistant: hello',
      cutTokens: 0,
    });
  });

  it('cuts the middle to about the budget, keeps the opening and the end, and marks the cut', () => {
    const turns = Array.from({ length: 200 }, (_, i) => `user: question ${i}\n\nassistant: answer ${i}`);
    const text = turns.join('\n\n');
    const { text: cut, cutTokens } = truncateMiddle(text, 300);
    expect(approximateTokens(cut)).toBeLessThanOrEqual(300);
    expect(approximateTokens(cut)).toBeGreaterThan(250);
    expect(cut.startsWith('user: question 0\n')).toBe(true);
    expect(cut.endsWith('assistant: answer 199')).toBe(true);
    expect(cut).toContain(`[… ${cutTokens} tokens of the conversation left out …]`);
    expect(cutTokens).toBeGreaterThan(approximateTokens(text) - 320);
    expect(cut).not.toContain('question 100\n');
  });

  it('counts CJK characters as a token each', () => {
    expect(approximateTokens('注文はどこですか')).toBe(8);
    expect(approximateTokens('abcdefgh')).toBe(2);
  });
});
