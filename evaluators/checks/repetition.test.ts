import { describe, expect, it } from 'vitest';
import { loadDatasets } from '../../bench/quality/dataset.ts';
import { repetition } from './repetition.ts';
import { paramsError, proseText, runCheck } from '../../test/support/checks.ts';

const table = [
  '| Order | Item | Status | Refund |',
  '| --- | --- | --- | --- |',
  ...Array.from(
    { length: 20 },
    (_, i) => `| ${1000 + i} | item ${i} | returned | €${(i * 7.5).toFixed(2)} |`,
  ),
].join('\n');

const steps = Array.from(
  { length: 12 },
  (_, i) => `${i + 1}. Open the order ${2000 + i} and check its refund status.`,
).join('\n');

describe('repetition', () => {
  it.each([
    ['varied prose', proseText(1000), true],
    ['a 100 KB answer', proseText(100_000), true],
    ['a markdown table', table, true],
    ['a list of similar steps', steps, true],
    ['a word loop', `Your refund is on its way. ${'I will check the status for you. '.repeat(40)}`, false],
    [
      'a loop at the end of a normal answer',
      `${proseText(400)} ${'and then the refund and then the refund '.repeat(30)}`,
      false,
    ],
    ['a single token repeated', 'the '.repeat(500), false],
    ['a CJK loop', `您的退款已处理。${'我们会尽快为您处理退款。'.repeat(30)}`, false],
    [
      'CJK prose',
      '您的退款已于周一处理，预计五个工作日内到账。如有疑问，请随时联系我们的客服团队。我们的营业时间是周一至周五上午九点到下午六点。感谢您的耐心等待，祝您生活愉快。',
      true,
    ],
  ])('%s', (_name, response, passed) => {
    expect(runCheck(repetition, response)?.passed).toBe(passed);
  });

  it('gives a graded score that falls with the repeated share', () => {
    const mild = runCheck(repetition, `${proseText(800)} ${'we will refund the jacket '.repeat(8)}`);
    const heavy = runCheck(repetition, `${proseText(200)} ${'we will refund the jacket '.repeat(60)}`);
    expect(mild?.score).toBeGreaterThan(heavy?.score ?? 1);
    expect(heavy?.score).toBeGreaterThan(0);
    expect(heavy?.score).toBeLessThan(0.6);
  });

  it('names the repeated phrase', () => {
    expect(runCheck(repetition, 'I will check the status for you. '.repeat(40))?.reason).toBe(
      'repetitive loop: "i will check the status for you" ×40 in a row',
    );
    const scattered = Array.from({ length: 30 }, (_, i) => `step ${i} we will refund the jacket`).join(' ');
    expect(runCheck(repetition, scattered)?.reason).toMatch(
      /^repetitive loop: \d+% of 4-grams repeated; "[a-z ]+" ×\d+/,
    );
  });

  it.each([
    ['a short sentence six times', 'Refunds take five days. '.repeat(6), false],
    ['one word 24 times', `${'the '.repeat(24)}`.trim(), false],
    [
      'a line four times after an answer',
      `Sure.\n${'Let me know if you need anything else.\n'.repeat(4)}`,
      false,
    ],
    ['a word said four times', 'Yes yes yes yes.', true],
    ['emphasis', 'This is very very important: keep the receipt.', true],
    ['thanks twice', 'Thank you! Thank you!', true],
    ['laughter', 'Ha ha ha ha, that is a good one.', true],
  ])('short answers: %s', (_name, response, passed) => {
    expect(runCheck(repetition, response)?.passed).toBe(passed);
  });

  // The tokenizer reads characters one by one: words joined by apostrophes and hyphens, scripts
  // written without spaces, characters outside the Basic Multilingual Plane, broken surrogates.
  it.each([
    ['joined words', "Don't re-send it. ".repeat(6), 'repetitive loop: "don\'t re-send it" ×6 in a row'],
    ['typographic apostrophes', 'It’s done. '.repeat(12), 'repetitive loop: "it’s done" ×12 in a row'],
    ['Han beyond the BMP', '𠮷野家'.repeat(6), 'repetitive loop: "𠮷 野 家" ×6 in a row'],
    ['emoji between words', 'go 🚀 go 🚀 '.repeat(6), 'repetitive loop: "go" ×12 in a row'],
  ])('tokens: %s', (_name, response, reason) => {
    expect(runCheck(repetition, response)?.reason).toBe(reason);
  });

  it('needs one repeat fewer when the answer hit the token limit', () => {
    // TGI's starcoder2 snapshot (huggingface/text-generation-inference, Apache-2.0): the loop runs into `length`.
    const response =
      '\n\nI am a software engineer.\n\nWhat is your favorite programming language?\n\nI like Python.\n\nWhat is your favorite programming language?\n\nI like Python.\n\nWhat is your favorite programming language?\n\nI like Python.\n\nWhat is your favorite programming';
    expect(runCheck(repetition, { response, finish_reason: 'length' })?.passed).toBe(false);
    expect(runCheck(repetition, { response, finish_reason: 'stop' })?.passed).toBe(true);
  });

  it('reads a lone surrogate and Latin glued to Han as text, not as a crash', () => {
    expect(runCheck(repetition, `the\ud800喉咙 ${proseText(300)}`)?.passed).toBe(true);
    // Fifty lone surrogates in a row are a loop of symbols, read without a crash.
    expect(runCheck(repetition, '\ud800 \udc00 '.repeat(50))).toMatchObject({ passed: false });
  });

  it('is not applicable to an empty answer', () => {
    expect(runCheck(repetition, '')).toBeNull();
  });

  it('honours the threshold', () => {
    const answer = `${proseText(300)} ${Array.from({ length: 10 }, (_, i) => `refund the order now ${i}`).join(' ')}`;
    expect(runCheck(repetition, answer, { max_repeated_share: 0.05 })?.passed).toBe(false);
    expect(runCheck(repetition, answer, { max_repeated_share: 0.9 })?.passed).toBe(true);
  });

  it('rejects bad params', () => {
    expect(paramsError(repetition, { ngram_words: 1 })).toMatch(/^ngram_words/);
    expect(paramsError(repetition, { max_repeated_share: -1 })).toMatch(/^max_repeated_share/);
  });

  // Real loops from ku-nlp/ja-vicuna-qa-benchmark (Apache-2.0) model answers: the end of each answer.
  it.each([
    [
      'a sentence loop (rinna)',
      '、王室のために尽力し、国を守るために尽力してきました。私は、王室のために尽力し、国を守るために尽力してきました。私は、王室のために尽力し、国を守るために尽力してきました。私は、王室のために尽力し、国を守るために尽力してきました。私は、王室のために尽力し、国を守るために尽力してきました。私は、王室のた',
    ],
    [
      'an equation loop',
      ' = 5x^3 - 2x + 3 = 5x^3 - 2x + 3 = 5x^3 - 2x + 3 = 5x^3 - 2x + 3 = 5x^3 - 2x + 3 = 5x^3 - 2x + 3 = 5x^3 - 2x + 3 = 5x^3 - 2x + 3 = 5x^3 - 2x + 3 = 5x^',
    ],
  ])('catches %s', (_name, response) => {
    expect(runCheck(repetition, response)?.passed).toBe(false);
  });

  it.each([
    [
      'a rule line of 300 dashes, then more',
      `Results\n${'-'.repeat(300)}\nAll 12 refunds were issued on Monday.`,
    ],
    [
      'a 26-row drawing that ends with its base',
      `Here is the house:\n${'|    ||   |   ||    |\n'.repeat(26)}\\____________________/\n`,
    ],
    [
      'a markdown table with 60 columns',
      `| ${Array.from({ length: 60 }, (_, i) => `c${i}`).join(' | ')} |\n|${'---|'.repeat(60)}\n| ${Array.from({ length: 60 }, (_, i) => i).join(' | ')} |\n\nThe table lists every column.`,
    ],
  ])('passes %s', (_name, response) => {
    expect(runCheck(repetition, response)?.passed).toBe(true);
  });

  it.each([
    ['2,000 spaces', `Here is the plan:${' '.repeat(2000)}`],
    ['a dash per line', `Words that rhyme:\n${'-\n\n'.repeat(300)}`],
    ['a run-on word', `Here is the picture: D${'0'.repeat(400)}`],
  ])('catches a loop of symbols: %s', (_name, response) => {
    expect(runCheck(repetition, response)).toMatchObject({ passed: false });
  });

  // Real answers of bench/quality's alpacaeval-loops (train split), by model and row of
  // tatsu-lab/alpaca_eval's results/<model>/model_outputs.json: loops the token rules cannot see.
  const items = loadDatasets().get('alpacaeval-loops') ?? [];
  const answer = (key: string): string => {
    const item = items.find(
      (i) => i.id === `tatsu-lab/alpaca_eval:results/${key.replace('#', '/model_outputs.json#')}`,
    );
    if (!item) throw new Error(`alpacaeval-loops has no item ${key}`);
    return item.response;
  };
  it.each([
    ['guanaco-65b#176', /" " ×\d+ in a row/], // a lesson plan that ends in 20,000 spaces
    ['guanaco-13b#624', /"\\n\\n-" ×\d+ in a row/], // rhymes: one dash per paragraph
    ['nous-hermes-13b#468', /" _____" ×\d+ in a row/], // an "embossed picture"
    ['vicuna-7b-v1.5#366', /"\\n\| \| \|" ×\d+ in a row/], // an ASCII cat's legs, 2,000 characters of them
    ['Snorkel-Mistral-PairRM-DPO#150', /"ー" ×\d+ in a row/],
    ['openbuddy-llama2-70b-v10.1#468', /"0" ×\d+ in a row/], // "D000000…"
    ['Meta-Llama-3.1-8B-Instruct-Turbo#524', /"end" ×\d+ in a row/], // "endendend…"
  ])('catches a real loop (%s)', (key, reason) => {
    const r = runCheck(repetition, answer(key));
    expect(r?.passed).toBe(false);
    expect(r?.reason).toMatch(reason);
  });
});
