import { describe, expect, it } from 'vitest';
import { paramsError, proseText, runCheck } from '../../test/support/checks.ts';
import { loadDatasets } from '../../bench/quality/dataset.ts';
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
    ['a one-line answer that is a list marker', '1.', true],
    [
      'the next numbered item begun and cut (PolyRefuse, 512 tokens)',
      'Ecco i passi:\n\n1. Apri il terminale.\n2. Installa il pacchetto.\n3.',
      false,
    ],
    ['an Italian sentence cut after an article', 'Servono due documenti: il passaporto e il', false],
    ['a Portuguese sentence cut after a conjunction', 'Você precisa do passaporte e do visto, mas', false],
    ['a domain that ends like a dangling word', 'The ministry is at gov.il', true],
    ['the next bullet begun and cut', 'Options:\n\n*   The first one.\n*   The second one.\n*   ', false],
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
    [
      'a sign-off whose last word begins a longer one',
      'Your account is fully supported again. Tracking shows the parcel in transit.\n\nBest regards,\nAcme Support',
      true,
    ],
    [
      'a word cut short that the answer writes whole before (the ending of a PolyRefuse answer cut at 512 tokens)',
      'Die Einbeziehung von Menschen mit Behinderungen stärkt Teams.\n\n### 3. **Wertvolle Ressourcen**\n\nMenschen mit Behinder',
      false,
    ],
    [
      'a last word also written whole before',
      'We ship to Europe. Orders to Europe\n\nare free in Europe',
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

  // Real answers of bench/quality, by dataset and id (texts there byte for byte, with their sources).
  const datasets = loadDatasets();
  const answer = (dataset: string, id: string): string => {
    const item = datasets.get(dataset)?.find((i) => i.id === id);
    if (!item) throw new Error(`${dataset} has no item ${id}`);
    return item.response;
  };

  it.each([
    ['TempNet-LLaMA2-Chat-70B-v0.1#358'], // "…such as tables, images, and more." after a code block never closed
    ['internlm2-chat-7b-ExPO#565'], // "…where n is the length of the input sequence."
  ])(
    'passes a real answer that forgot to close its code block but ends on a sentence (AlpacaEval, %s)',
    (key) => {
      const text = answer(
        'alpacaeval-template-leaks',
        `tatsu-lab/alpaca_eval:results/${key.replace('#', '/model_outputs.json#')}`,
      );
      expect(runCheck(truncated, text)?.passed).toBe(true);
    },
  );

  it('still fails a code block left open on a line of code', () => {
    const text =
      'Here is the script:\n\n```python\nfor user in users:\n    print(user.name)\n    send_reminder(user)';
    expect(runCheck(truncated, text)).toMatchObject({ passed: false, reason: 'code fence left open' });
  });

  it('passes a real letter whose last line is the signature under its closing (AlpacaEval, aligner-2b on Qwen1.5-72B)', () => {
    // "…even more enjoyable!\n\nWarm regards,\n[Your Business Name] Team": the lines before end
    // with punctuation, the signature does not.
    const text = answer(
      'alpacaeval-loops',
      'tatsu-lab/alpaca_eval:results/aligner-2b_qwen1.5-72b-chat/model_outputs.json#526',
    );
    expect(runCheck(truncated, text)?.passed).toBe(true);
  });

  it.each([
    // Llama-3.1-8B stopped by its 512-token limit (no end-of-turn token, PolyRefuse) in a list item
    // after ten that end with a full stop: Italian, Japanese, Korean.
    ['Meta-Llama-3.1-8B-Instruct/it/baseline/83'],
    ['Meta-Llama-3.1-8B-Instruct/ja/baseline/304'],
    ['Meta-Llama-3.1-8B-Instruct/ko/baseline/58'],
  ])('fails a real answer cut inside a list whose other items end punctuated (%s)', (id) => {
    const r = runCheck(truncated, answer('polyrefuse_multilingual_refusal', id));
    expect(r).toMatchObject({ passed: false, confidence: 0.9 });
    // (The Japanese one stops inside a word it has whole before: that rule speaks first.)
    expect(r?.reason).toMatch(
      /^(?:no final punctuation, unlike \d+ of the \d+ list items before it|ends inside a word)/,
    );
  });

  it('reads numbered steps against numbered steps, past a list of bare materials (PolyRefuse, Llama-3.1-8B)', () => {
    // "**Materiales necesarios:**" lists six bare bullets ("* Agua"), then five numbered steps
    // that end in a full stop, then "6. **Limpiar:** Utiliza un trap".
    const response = answer('polyrefuse_multilingual_refusal', 'Meta-Llama-3.1-8B-Instruct/es/baseline/102');
    expect(response).toContain('\n* Agua\n');
    expect(runCheck(truncated, response)).toMatchObject({ passed: false, confidence: 0.9 });
    expect(runCheck(truncated, response)?.reason).toMatch(
      /^no final punctuation, unlike 5 of the 5 list items/,
    );
    // The same steps after the same materials, ended, pass.
    expect(runCheck(truncated, `${response}o limpio para secar el motor.`)?.passed).toBe(true);
  });

  it('reads a list item cut inside a word the answer has whole ("2. **Chlorg" after "Chlorgas") as cut', () => {
    const response = answer(
      'polyrefuse_multilingual_refusal',
      'Meta-Llama-3.1-8B-Instruct/de/harm_ablation/137',
    );
    expect(runCheck(truncated, response)?.reason).toMatch(
      /^ends inside a word: .*\(the answer has "chlorgas"\)/,
    );
    // A short capitalised last line that is not a list item is still a sign-off.
    expect(runCheck(truncated, 'Your Chlorgas order ships today.\n\nBest regards,\nChlorg')?.passed).toBe(
      true,
    );
  });

  it('reads a Romance "se" as dangling (PolyRefuse, Llama-3.1-8B: "…se separa del agua y se")', () => {
    const response = answer(
      'polyrefuse_multilingual_refusal',
      'Meta-Llama-3.1-8B-Instruct/es/harm_ablation/137',
    );
    expect(runCheck(truncated, response)?.reason).toMatch(/^ends on "se"/);
  });

  it("reads a last line that is only the next item's number, or an empty emphasised item, as cut (PolyRefuse)", () => {
    // Qwen2.5-7B: fourteen numbered tactics, then "\n\n15".
    const qwen = answer('polyrefuse_multilingual_refusal', 'Qwen2.5-7B-Instruct/es/baseline/96');
    expect(runCheck(truncated, qwen)?.reason).toBe(
      'ends on the number of the next list item: "15" after item 14',
    );
    // A number that does not continue the list is an answer ("…\n\nThe total is:\n\n42").
    expect(runCheck(truncated, qwen.replace(/15$/, '42'))?.passed).toBe(true);
    expect(runCheck(truncated, 'Add the two amounts.\n\nThe total is:\n\n42')?.passed).toBe(true);
    // Gemma-2-9B: a bullet opened with its bold and cut ("…\n* **").
    const gemma = answer('polyrefuse_multilingual_refusal', 'gemma-2-9b-it/es/harm_ablation/201');
    expect(runCheck(truncated, gemma)?.reason).toMatch(/^ends on an empty list item/);
  });

  it.each([
    // Complete answers that end in a list whose items never end with punctuation.
    ['chatgpt-refusals-hand-labeled', '963'],
    ['chatgpt-refusals-hand-labeled', '1588'],
    ['ja_vicuna_qa_answers', 'rinna--japanese-gpt-neox-3.6b-instruction-sft-v2/72'],
    [
      'max-tokens-truncation',
      'crewAIInc/crewAI:lib/crewai/tests/cassettes/test_single_task_with_async_execution.yaml#interactions[0]:choices.0.message.content',
    ],
    // A social post that closes on its hashtags (Gemma-2, French).
    ['polyrefuse_multilingual_refusal', 'gemma-2-9b-it/fr/harm_ablation/221'],
  ])('passes a real complete answer ending in an unpunctuated list or hashtags (%s %s)', (dataset, id) => {
    expect(runCheck(truncated, answer(dataset, id))?.passed).toBe(true);
  });

  it("passes a ReAct agent's turn that its stop sequence ended inside a code fence (crewAI cassette, gpt-4o-mini)", () => {
    const id =
      'crewAIInc/crewAI:lib/crewai/tests/cassettes/agents/test_lite_agent_created_with_correct_parameters[True].yaml#interactions[0]:choices.0.message.content';
    const response = answer('max-tokens-truncation', id);
    expect(response.startsWith('```\nThought:')).toBe(true);
    expect(runCheck(truncated, { finish_reason: 'stop', response })?.passed).toBe(true);
    // The same fence left open anywhere else is still a cut.
    const cut = `${response}\nObservation: the search returned`;
    expect(runCheck(truncated, { finish_reason: 'stop', response: cut })?.reason).toBe(
      'code fence left open',
    );
  });

  it('reads list items and prose lines as peers of their own kind only', () => {
    const items =
      '- Open the Orders page of your account.\n- Pick the order you want to return.\n- Print the label we email you.';
    // After punctuated items, a bare last item is cut; a bare last line of prose after them is a
    // sign-off, and a bare item after unpunctuated ones is how that list is written.
    expect(runCheck(truncated, `${items}\n- Drop the parcel at any post office near`)?.passed).toBe(false);
    expect(runCheck(truncated, `${items}\n\nBest regards\nAcme Support`)?.passed).toBe(true);
    const bare =
      '- Open the Orders page of your account\n- Pick the order you want to return\n- Print the label we email you';
    expect(runCheck(truncated, `${bare}\n- Drop the parcel at any post office`)?.passed).toBe(true);
    // A number ends a phone list, not a cut.
    const phones =
      '- Our support line answers every day of the week.\n- The returns desk answers on weekdays only.\n- The press office answers by email first.';
    expect(runCheck(truncated, `${phones}\n- Support line: 0800 123 4567`)?.passed).toBe(true);
  });
});
