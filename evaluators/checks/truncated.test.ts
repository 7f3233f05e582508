import { describe, expect, it } from 'vitest';
import { paramsError, proseText, runCheck } from '../../test/support/checks.ts';
import { truncated } from './truncated.ts';

const fence = '```';

describe('truncated', () => {
  it.each([
    [
      'a finished sentence',
      'Your refund was issued on Monday and should arrive within five business days.',
      true,
    ],
    ['a short answer without a full stop', 'Paris', true],
    [
      'a chatty answer without any punctuation',
      'sure thing the refund went out monday and you will see it in a few days',
      true,
    ],
    ['an answer ending in a list', 'Next steps:\n\n- Check your statement\n- Contact your bank', true],
    ['an answer ending in a numbered list', 'Do this.\n\n1. Open the app\n2. Tap Orders', true],
    ['an answer ending in a closed code block', `Use this:\n\n${fence}ts\nconst x = 1\n${fence}`, true],
    [
      'an answer ending in a URL',
      'Your refund was issued. Track it here: https://shop.example.com/orders/1234',
      true,
    ],
    ['an answer ending in an emoji', 'Your refund was issued on Monday 🎉', true],
    ['a CJK answer with 。', '您的退款已于周一处理，预计五个工作日内到账。', true],
    ['an RTL answer', 'تمت معالجة استرداد أموالك يوم الاثنين.', true],
    ['a complete JSON answer', '{"refund_id": "r-1", "items": [1, 2]}', true],
    ['a table', 'Here:\n\n| order | status |\n| --- | --- |\n| 1234 | refunded |', true],
    ['a markdown link answer', '[Track your order](https://example.com/track)', true],
    ['a 100 KB answer', proseText(100_000), true],
    [
      'a sign-off',
      'Your order shipped on Monday. Tracking shows it in transit.\nBest regards\nAcme Support',
      true,
    ],
    ['ending on an article', 'Your refund was issued on Monday and should reach the', false],
    ['ending on a comma', 'Your refund was issued on Monday, and after that,', false],
    ['ending on a colon', 'To get your refund, follow these steps:', false],
    [
      'ending mid-word in a long punctuated answer',
      `${proseText(300)} The courier will collect the parcel from your front door tomor`,
      false,
    ],
    ['an unclosed code fence', `Use this:\n\n${fence}python\nfor order in orders:\n    refund(order`, false],
    ['JSON cut off', '{"refund_id": "r-1", "items": [{"sku": "A1", "qty": 2}, {"sku": "B', false],
    [
      'German cut on an article',
      'Ihre Rückerstattung wurde am Montag veranlasst und sollte in wenigen Tagen auf der',
      false,
    ],
  ])('%s', (_name, response, passed) => {
    expect(runCheck(truncated, response)?.passed).toBe(passed);
  });

  it('fails every answer that stopped at the token limit', () => {
    const r = runCheck(truncated, { response: 'A complete sentence.', finish_reason: 'length' });
    expect(r).toMatchObject({
      passed: false,
      reason: 'finish_reason length: the answer hit the token limit',
    });
  });

  it('does not mistake the storage truncation marker for a cut answer', () => {
    const stored = `${proseText(500)} and the courier will collect the parcel from the…[truncated 3512 chars]`;
    expect(runCheck(truncated, stored)).toMatchObject({ passed: true });
    expect(runCheck(truncated, { response: stored, finish_reason: 'length' })?.passed).toBe(false);
  });

  it('says why the answer looks cut', () => {
    expect(runCheck(truncated, '{"a": [1, 2')?.reason).toBe('JSON cut off with 2 unclosed brackets');
    expect(runCheck(truncated, `${fence}js\nlet a`)?.reason).toBe('code fence left open');
    expect(runCheck(truncated, 'Ship it to the')?.reason).toMatch(/^ends on "the"/);
  });

  it('is not applicable to empty answers and failed calls', () => {
    expect(runCheck(truncated, '')).toBeNull();
    expect(runCheck(truncated, { status: 'error', response: 'Ship it to the' })).toBeNull();
  });

  it('can look only at structure', () => {
    expect(runCheck(truncated, 'Ship it to the', { check_ending: false })?.passed).toBe(true);
  });

  it('rejects bad params', () => {
    expect(paramsError(truncated, { min_words: 0 })).toMatch(/^min_words/);
    expect(paramsError(truncated, { check_ending: 'yes' })).toMatch(/^check_ending/);
  });

  it('a real token-limit stop (openinference cassette: "Hello, How are you?", max_tokens 10)', () => {
    const r = runCheck(truncated, {
      response: "Hello! I'm just a computer program, so I",
      finish_reason: 'length',
    });
    expect(r).toMatchObject({ passed: false, confidence: 1 });
  });

  it('is unsure of a one-paragraph answer without a full stop, sure of a cut longer one', () => {
    const address = 'The address of the shop is 94 Koskikatu 83 Apt. 343, Churton Park, Guatemala 38007';
    expect(runCheck(truncated, address)?.confidence).toBeLessThan(0.8);
    const cut = `Here is how it works. ${'The refund is sent to the card you paid with. '.repeat(3)}\n\nOnce the warehouse has checked the parcel the refund is released and you receive an email with the amount and the expected`;
    expect(runCheck(truncated, cut)).toMatchObject({ passed: false, confidence: 0.9 });
  });
});
