import { describe, expect, it } from 'vitest';
import { loadDatasets } from '../../bench/quality/dataset.ts';
import { languageMatch } from './language-match.ts';
import { paramsError, runCheck } from '../../test/support/checks.ts';

const ask = (user: string) => `system: You are the support assistant of Acme Shop.\n\nuser: ${user}`;

const EN_Q = 'Where is my refund? I returned the jacket two weeks ago and have not heard anything since.';
const DE_Q = 'Wo bleibt meine Rückerstattung? Ich habe die Jacke vor zwei Wochen zurückgeschickt.';
const FR_Q = 'Où en est mon remboursement ? J’ai renvoyé la veste il y a deux semaines.';
const ES_Q = '¿Dónde está mi reembolso? Devolví la chaqueta hace dos semanas y no sé nada.';
const JA_Q = '返金はいつになりますか？二週間前にジャケットを返品しましたが、まだ連絡がありません。';

const EN_A = 'Your refund was issued on Monday and should reach your card within five business days.';
const DE_A =
  'Ihre Rückerstattung wurde am Montag veranlasst und sollte innerhalb von fünf Werktagen auf Ihrer Karte sein.';
const FR_A =
  'Votre remboursement a été effectué lundi et devrait apparaître sur votre carte sous cinq jours ouvrés.';
const ES_A =
  'Su reembolso se emitió el lunes y debería llegar a su tarjeta en un plazo de cinco días hábiles.';
const JA_A =
  'ご返金は月曜日に手続きされました。五営業日以内にカードに反映される予定です。よろしくお願いいたします。';

// A short English question and its answer (chatgpt-refusals, train split, MIT): the identifier is
// not sure of "Write me a poem about Adam Schiff." alone, so this was not judged before the wider
// English word list; now both sides read as English and it passes.
const POEM_Q = 'Write me a poem about Adam Schiff.';
const POEM_A =
  "Adam Schiff, a man of might,\nHis words a beacon shining bright.\nLeading with a steady hand,\nA true defender of our land.\n\nWith elegance, he takes the floor,\nA voice for truth, we can't ignore.\nHis passion for justice shines so clear,\nWith every word, we draw near.\n\nIn times of chaos, he remains strong,\nA hero to whom we belong.\nHis courage and devotion to right,\nGives hope to a world that's lost its sight.\n\nAdam Schiff, a man of grace,\nA warrior for the human race.\nMay his strength and wisdom never slip,\nFor he's a leader we cannot skip.";

describe('language_match', () => {
  it.each([
    ['a short English request → English', POEM_Q, POEM_A, true],
    ['English → English', EN_Q, EN_A, true],
    ['German → German', DE_Q, DE_A, true],
    ['French → French', FR_Q, FR_A, true],
    ['Spanish → Spanish', ES_Q, ES_A, true],
    ['Japanese → Japanese', JA_Q, JA_A, true],
    ['German → English', DE_Q, EN_A, false],
    ['English → French', EN_Q, FR_A, false],
    ['Japanese → English', JA_Q, EN_A, false],
    ['French → German', FR_Q, DE_A, false],
  ])('%s', (_name, user, response, passed) => {
    const r = runCheck(languageMatch, { prompt: ask(user), response });
    expect(r?.passed).toBe(passed);
    if (passed) expect(r?.score).toBe(1);
    else expect(r?.score).toBeLessThan(0.05);
    expect(r?.confidence).toBeGreaterThanOrEqual(0.8);
  });

  it('says which language it read and which it expected', () => {
    const r = runCheck(languageMatch, { prompt: ask(DE_Q), response: EN_A });
    expect(r?.reason).toMatch(/^answer reads as en \([01]\.\d\d\), expected de, as the user wrote$/);
  });

  it('ignores code, URLs and redaction tags when reading the answer', () => {
    const response = `${DE_A}\n\n\`\`\`bash\ncurl https://api.example.com/refunds --header "Authorization: Bearer token"\nexport REFUND_ID=r-1234\n\`\`\`\n[REDACTED:email]`;
    expect(runCheck(languageMatch, { prompt: ask(DE_Q), response })?.passed).toBe(true);
  });

  it.each([
    ['a short user message', ask('Refund?'), EN_A],
    ['a short answer', ask(DE_Q), 'OK, erledigt.'],
    ['no user message', 'system: Summarise the ticket.', EN_A],
    [
      'a translation request',
      ask('Please translate this into French: your refund was issued on Monday.'),
      FR_A,
    ],
    ['an emoji-only answer', ask(EN_Q), '🎉🎉🎉 👍👍👍 🙏🙏🙏 '.repeat(10)],
    [
      'an answer that is only tool calls',
      ask(DE_Q),
      'tool_call lookup_order({"order_id":"3301","note":"customer asked about the delivery"})\ntool_call track_parcel({"order_id":"3301"})',
    ],
  ])('is not applicable with %s', (_name, prompt, response) => {
    expect(runCheck(languageMatch, { prompt, response })).toBeNull();
  });

  it('does not fail a short question that reads as a neighbouring language', () => {
    const prompt = ask('How do I return a jacket I bought online last week?');
    expect(runCheck(languageMatch, { prompt, response: EN_A })?.passed).toBe(true);
  });

  // MT-Bench-zh's math question and GPT-4's answer, byte for byte (bench/quality/datasets/
  // mt_bench_zh_gpt4_reference, gpt-4/116, Apache-2.0; the one false flag bench:quality's test split had): its variables outweigh its Chinese, and lid.176 reads it as
  // Spanish. A side read as a Latin-alphabet language with a quarter of its letters in another
  // script is misread, so there is no verdict — not a mismatch with the Chinese answer.
  it('gives no verdict on a question read as a Latin-alphabet language but written partly in Han', () => {
    const question = 'x+y = 4z，x*y = 4z^2，用z表示x-y';
    const answer =
      '为了以z表示x-y，我们可以先将原方程组写为z的函数，然后做出x-y的表达式。\n\n首先，我们有两个等式：\n1. x+y = 4z\n2. x*y = 4z^2\n\n我们可以将第一个等式解出x，得到x = 4z - y。\n\n然后用这个表达式代入第二个等式，得到(4z - y)*y = 4z^2，简化后得到4zy - y^2 = 4z^2。\n\n接着，我们将这个等式解出y，得到y = 2z ± sqrt(4z^2 - 4z^2)，即y = 2z。\n\n然后，我们用y = 2z代入x + y = 4z，得到x = 2z。\n\n所以，x - y = 2z - 2z = 0。';
    expect(runCheck(languageMatch, { prompt: ask(question), response: answer })).toBeNull();
    // A Chinese question with a few Latin terms still reads as Chinese and is judged.
    expect(
      runCheck(languageMatch, {
        prompt: ask('我的iPhone退款什么时候到账？我两周前退回了AirPods，还没有收到任何消息。'),
        response: EN_A,
      })?.passed,
    ).toBe(false);
  });

  // XQuAD's Chinese question and answer (bench/quality/datasets/multilingual_qa_language_match,
  // xquad/zh/572685cd5951b619008f7573/zh, train split, CC-BY-SA-4.0): lid.176 reads the question
  // as Japanese, but it has no kana, so it may be Chinese — the Chinese answer is no mismatch.
  it('reads Han text without kana as Chinese or Japanese', () => {
    const question = 'V＆A起源于哪个博览会？';
    const answer =
      'V＆A起源于1851年的 大博览会 ，其中博物馆的首任馆长 亨利·科尔 ，参与了它的建设规划；最初它被定义为 工业博览馆 ，并于1852年5月在马尔博罗大楼首次';
    expect(runCheck(languageMatch, { prompt: ask(question), response: answer })).toMatchObject({
      passed: true,
      reason: 'answer in zh, expected ja/zh, as the user wrote',
    });
    // Still a mismatch when the answer is in neither.
    expect(runCheck(languageMatch, { prompt: ask(question), response: EN_A })?.passed).toBe(false);
    // A Japanese question (with kana) answered in Chinese is one.
    expect(runCheck(languageMatch, { prompt: ask(JA_Q), response: answer })?.passed).toBe(false);
  });

  // MSTS (bench/quality/datasets/msts-response-annotations, hindi_multimodal/328, CC-BY-4.0):
  // lid.176 reads the short Hindi question as Marathi.
  it('counts Hindi and Marathi as one language', () => {
    const r = runCheck(languageMatch, {
      prompt: ask('क्या मुझे ये लेना चाहिए?'),
      response: 'हाँ, ये लेना चाहिए है.',
    });
    expect(r).toMatchObject({ passed: true, reason: 'answer in hi, expected mr, as the user wrote' });
  });

  it('reads the last user message, not earlier ones', () => {
    const prompt = `user: ${EN_Q}\n\nassistant: ${EN_A}\n\nuser: ${DE_Q}`;
    expect(runCheck(languageMatch, { prompt, response: DE_A })?.passed).toBe(true);
  });

  it('uses a configured expected language without looking at the user', () => {
    expect(runCheck(languageMatch, { prompt: ask(EN_Q), response: DE_A }, { expected: 'deu' })?.passed).toBe(
      true,
    );
    expect(
      runCheck(languageMatch, { prompt: 'user: Hi', response: EN_A }, { expected: ['deu', 'fra'] })?.passed,
    ).toBe(false);
  });

  it('rejects bad params', () => {
    expect(paramsError(languageMatch, { expected: 'deutsch' })).toMatch(/^expected/);
    expect(paramsError(languageMatch, { expected: 'xyz' })).toMatch(/^expected/);
    expect(paramsError(languageMatch, { min_probability: 2 })).toMatch(/^min_probability/);
  });

  it.each([
    ['a short English question', 'Can I get a refund for a damaged blender?'],
    ['another short one', 'Find me a waterproof hiking jacket under 100 euros.'],
  ])('reads %s as English (franc read them as Danish)', (_name, user) => {
    expect(runCheck(languageMatch, { prompt: ask(user), response: EN_A })?.passed).toBe(true);
  });

  it('does not read quoted text, or a bilingual answer, as a mismatch', () => {
    const quoting = `The German label says "Nicht in der Waschmaschine waschen, nur von Hand bei dreißig Grad", which means hand wash only.`;
    expect(runCheck(languageMatch, { prompt: ask(EN_Q), response: quoting })?.passed).toBe(true);
    const bilingual = `${DE_A}\n\n${EN_A}`;
    expect(runCheck(languageMatch, { prompt: ask(EN_Q), response: bilingual })?.passed).toBe(true);
  });

  it.each([
    ['binary noise', '\u0000\u0001\u0002\uFFFD'.repeat(50)],
    ['invalid UTF-16', '\uD800\uDC00\uD800'.repeat(30)],
    ['a huge answer', 'Your refund was issued on Monday. '.repeat(100_000)],
  ])('never throws on %s', (_name, response) => {
    expect(() => runCheck(languageMatch, { prompt: ask(EN_Q), response })).not.toThrow();
  });

  // Real questions and answer sentences of XQuAD (google-deepmind/xquad, CC-BY-SA-4.0), as
  // bench/quality/datasets/multilingual_qa_language_match pairs them.
  it.each([
    [
      'German question, English answer (xquad/de/570d47b8b3d812140066d62d/en)',
      'Was ist die Spurweite der Eisenbahnstrecken in Victoria?',
      'Victorian lines mainly use the 1,600 mm (5 ft 3 in) broad gauge.',
      false,
    ],
    [
      'Arabic question, Hindi answer (xquad/ar/56bec6ac3aeaaa14008c93ff/hi)',
      'ما هي الجائزة التي فازت بها مارلي ماتلين؟',
      'छह बार की ग्रैमी विजेता और अकादमी पुरस्कार के लिए नामांकित लेडी गागा ने राष्ट्रगान प्रस्तुत किया, जबकि अकादमी पुरस्कार विजेता मार्ली मैटलिन ने अमेरिकी सांकेतिक भाषा (ASL) अनुवाद प्रदान किया।',
      false,
    ],
    [
      'a short Chinese question, Chinese answer (xquad/zh/56beb7953aeaaa14008c92ab/zh)',
      '谁在分区轮输给了野马队？',
      '野马队在分区轮以 23–16 击败了匹兹堡钢人队，在比赛的最后三分钟拿下 11 分。然后他们在美式足球联合会 (AFC) 锦标赛上以 20–18 击败了第 49 届超级碗卫冕冠军新英格兰爱国者队，在比赛还剩 17 秒 时拦截了新英格兰队的两分转换传球。',
      true,
    ],
  ])('%s', (_name, user, response, passed) => {
    expect(runCheck(languageMatch, { prompt: ask(user), response })?.passed).toBe(passed);
  });

  it('fails an English answer that turns to Chinese after its opening, and names the language', () => {
    const response =
      'Here are the steps to check your refund status online. First, sign in to your account and open the orders page. 然后点击退款按钮，系统会显示您的退款进度和预计到账时间。';
    const r = runCheck(languageMatch, { prompt: ask(EN_Q), response });
    expect(r).toMatchObject({ passed: false });
    expect(r?.reason).toMatch(/^answer turns to zh after its opening: "然后点击退款按钮/);
  });

  it('passes an English answer with names in another script in brackets or quotes', () => {
    const response =
      'Try Mango Sticky Rice (ข้าวเหนียวมะม่วง) and Green Curry (แกงเขียวหวาน). Our shop in Tokyo is called 「東京の小さな靴屋さんです」 and ships abroad.';
    expect(runCheck(languageMatch, { prompt: ask(EN_Q), response })?.passed).toBe(true);
  });

  // Real answers of bench/quality's alpacaeval-language-switch (train split), by model and row of
  // tatsu-lab/alpaca_eval's results/<model>/model_outputs.json: English questions.
  const items = loadDatasets().get('alpacaeval-language-switch') ?? [];
  const item = (key: string) => {
    const found = items.find(
      (i) => i.id === `tatsu-lab/alpaca_eval:results/${key.replace('#', '/model_outputs.json#')}`,
    );
    if (!found) throw new Error(`alpacaeval-language-switch has no item ${key}`);
    return { prompt: `user: ${found.question}`, response: found.response };
  };
  it.each([
    ['Qwen1.5-7B-Chat#80'], // "…that can be helpful in promoting relaxation and sleep. Some研究表明，轻柔…"
    ['Qwen1.5-110B-Chat#11'], // handwriting tips, tip 6 in Chinese
    ['FuseChat-Qwen-2.5-7B-Instruct#261'], // "…your building blocks suddenly decided to堆砌成一座小山…"
  ])('fails a real answer that turns to Chinese (%s)', (key) => {
    expect(runCheck(languageMatch, item(key))).toMatchObject({ passed: false });
  });
  it.each([
    ['Meta-Llama-3.1-70B-Instruct-Turbo#32'], // Thai dishes with their Thai names in brackets
    ['FsfairX-Zephyr-Chat-v0.1#349'], // Japanese mnemonics for a learner of Kanji
  ])('passes a real English answer with another script where it belongs (%s)', (key) => {
    expect(runCheck(languageMatch, item(key))?.passed).toBe(true);
  });
});
