import { describe, expect, it } from 'vitest';
import { refusal } from './refusal.ts';
import { paramsError, proseText, runCheck } from './testing.ts';

describe('refusal', () => {
  it.each([
    ['a helpful answer', 'Your refund for order 1234 was issued on Monday.', true],
    [
      'a helpful answer that declines one detail late',
      `${proseText(600)} I am unable to share the courier's phone.`,
      true,
    ],
    ['"I can\'t help with that"', "I can't help with that.", false],
    ['a curly apostrophe', 'I’m sorry, but I can’t assist with that request.', false],
    ['extra whitespace and capitals', 'I AM   SORRY, BUT I\nCANNOT do this.', false],
    ['"As an AI language model"', 'As an AI language model, I do not have access to your orders.', false],
    ['"I am unable to"', 'I am unable to process refunds.', false],
    ['"I\'m not able to provide"', "I'm not able to provide legal advice.", false],
    ['a policy violation', 'This request violates our usage policies.', false],
    ['German', 'Es tut mir leid, aber ich kann Ihnen dabei nicht helfen.', false],
    ['French', 'Je suis désolé, mais je ne peux pas vous aider avec cette demande.', false],
    ['Spanish', 'Lo siento, pero no puedo ayudarte con eso.', false],
    ['a CJK answer', '您的退款已于周一处理。', true],
    ['an emoji answer', '🎉 Done! Your refund is on its way.', true],
    ['a 100 KB answer', proseText(100_000), true],
  ])('%s', (_name, response, passed) => {
    expect(runCheck(refusal, response)?.passed).toBe(passed);
  });

  it('names the phrase it found', () => {
    expect(runCheck(refusal, "Sorry — I can't help with that.")?.reason).toBe(
      'refusal phrase "i can\'t help with that"',
    );
  });

  it('counts a content-filter stop as a refusal, unless turned off', () => {
    const filtered = { response: '', finish_reason: 'content_filter' };
    expect(runCheck(refusal, filtered)).toMatchObject({ passed: false, score: 0 });
    expect(runCheck(refusal, filtered, { content_filter: false })).toBeNull();
  });

  it('extends or replaces the phrase list', () => {
    const answer = 'We are not able to process refunds in this chat.';
    expect(runCheck(refusal, answer)?.passed).toBe(true);
    expect(runCheck(refusal, answer, { extra_phrases: ['Not able to process refunds'] })?.passed).toBe(false);
    expect(runCheck(refusal, "I can't help with that.", { phrases: ['no way'] })?.passed).toBe(true);
    expect(runCheck(refusal, 'Lo siento, pero no puedo.', { languages: ['en'] })?.passed).toBe(true);
  });

  it('is not applicable to empty answers and failed calls', () => {
    expect(runCheck(refusal, '   ')).toBeNull();
    expect(runCheck(refusal, { status: 'error', response: "I can't help with that" })).toBeNull();
  });

  it('rejects bad params', () => {
    expect(paramsError(refusal, { languages: ['xx'] })).toMatch(/^languages\.0/);
    expect(paramsError(refusal, { extra_phrases: ['a'] })).toMatch(/^extra_phrases\.0/);
    expect(paramsError(refusal, { phrase: ['x'] })).toMatch(/unrecognized key/i);
  });
});
