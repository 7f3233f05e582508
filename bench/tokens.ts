/**
 * `npm run bench:tokens`: the token estimate (collector/normalise/token-estimate.ts) against the
 * usage OpenAI reported for real answers (bench/tokens/openai-usage.jsonl), and what it costs
 * per call. Prints a Markdown table for bench/RESULTS.md.
 */
import { approximateTokens, estimateCallTokens } from '../collector/normalise/token-estimate.ts';
import { answerTokenPairs, promptTokenPairs, usageAnswers } from '../test/support/token-usage.ts';

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
function row(name: string, pairs: Array<[number, number]>): string {
  const each = pairs.map(([e, r]) => Math.abs(e - r) / r).sort((a, b) => a - b);
  const at = (q: number) => each[Math.min(each.length - 1, Math.floor(each.length * q))] ?? 0;
  const sumE = pairs.reduce((n, p) => n + p[0], 0);
  const sumR = pairs.reduce((n, p) => n + p[1], 0);
  const within = each.filter((x) => x <= 0.05).length / each.length;
  return `| ${name} | ${pairs.length} | ${pct(sumE / sumR - 1)} | ${pct(at(0.5))} | ${pct(at(0.9))} | ${(within * 100).toFixed(0)} % |`;
}

const none = { prompt: '', promptFullLength: 0, messages: 0 };
const answers = usageAnswers();

const t0 = performance.now();
estimateCallTokens({ model: 'gpt-4o', ...none, response: 'warm', responseFullLength: 4 });
estimateCallTokens({ model: 'gpt-4', ...none, response: 'warm', responseFullLength: 4 });
const loadMs = performance.now() - t0;

console.log('| estimate | calls | error of the sum | median error per call | p90 | within 5 % |');
console.log('| --- | --- | --- | --- | --- | --- |');
console.log(row('answers, model encoding', answerTokenPairs()));
console.log(
  row(
    'answers, chars/4 (for comparison)',
    answers.map((i) => [approximateTokens(i.answer), i.completion_tokens]),
  ),
);
console.log(row('prompts, model encoding + chat overhead', promptTokenPairs()));

// Cost per call: a typical call (1 KB prompt + answer) and a long one at the counting cap.
const text = answers.map((i) => i.answer).join('\n\n');
const time = (prompt: string, response: string, model: string): number => {
  const n = 2000;
  const call = () =>
    estimateCallTokens({
      model,
      prompt,
      promptFullLength: prompt.length,
      messages: 2,
      response,
      responseFullLength: response.length,
    });
  for (let i = 0; i < 200; i++) call();
  const s = performance.now();
  for (let i = 0; i < n; i++) call();
  return ((performance.now() - s) * 1000) / n;
};
console.log(`\nfirst use (loading o200k_base and cl100k_base): ${loadMs.toFixed(0)} ms`);
for (const [name, len] of [
  ['1 KB prompt + 0.5 KB answer', 1024],
  ['16 KB prompt + 4 KB answer (past the 4 KB cap)', 16384],
] as const) {
  const p = text.slice(0, len);
  const r = text.slice(len, len + len / 2 > len + 4096 ? len + 4096 : len + len / 2);
  console.log(
    `${name}: gpt-4o ${time(p, r, 'gpt-4o').toFixed(0)} µs, claude (chars/4) ${time(p, r, 'claude-sonnet-4').toFixed(1)} µs per call`,
  );
}
