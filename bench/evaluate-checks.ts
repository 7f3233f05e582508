// npm run bench:evaluate (checks part) — cheap checks on one core: evaluations per second per
// check, and calls per second with every check a route would run, over two mixes: a synthetic
// one of ~1 KB answers (word-salad prose in several languages, JSON, Markdown with code,
// refusals, loops, errors, PII) and one of real answers from the labeled datasets of
// bench/quality (test split; two in three English, as production traffic mostly is). The same
// calls also go through the collector's decode and pipeline, for the checks ÷ ingest ratio.
// Pure CPU: no I/O, one thread, so evals/s here is evals/s per core.
import { CHECKS, createCheckPlan } from '../evaluators/checks/index.ts';
import { evaluatorsConfigSchema } from '../evaluators/checks/config.ts';
import { callInput, proseText } from '../test/support/checks.ts';
import { evalJob, storedCall } from '../test/support/eval-job.ts';
import type { CheckInput } from '../evaluators/checks/types.ts';
import { ingestMicrosPerCall } from './ingest-cost.ts';
import { loadDatasets } from './quality/dataset.ts';
import { inputOf } from './quality/score.ts';
import { machine } from './proc.ts';
import { runChecks } from '../evaluators/worker/evaluate.ts';
import type { StoredCall } from '../evaluators/worker/call-loader.ts';
import type { EvalJob } from '../core/eval-job.ts';

const SECONDS_PER_CHECK = Number(process.env['BENCH_SECONDS'] ?? 1);

const SYSTEM = `system: You are the support assistant of Acme Shop. ${proseText(1400, 3)}`;
const ask = (user: string): string => `${SYSTEM}\n\nuser: ${user}`;
const EN_Q = 'Where is my refund? I returned the jacket two weeks ago and have not heard anything since.';
const DE_Q = 'Wo bleibt meine Rückerstattung? Ich habe die Jacke vor zwei Wochen zurückgeschickt.';
const DE_A =
  'Ihre Rückerstattung wurde am Montag veranlasst und sollte innerhalb von fünf Werktagen auf Ihrer Karte sein. ';
const FR_A = 'Votre remboursement a été effectué lundi et devrait apparaître sous cinq jours ouvrés. ';
const JSON_A = JSON.stringify({
  refund_id: 'r-1234',
  items: Array.from({ length: 12 }, (_, i) => ({ sku: `SKU-${i}`, qty: 1 + (i % 3), price: 9.99 + i })),
});
const CODE_A = `To check the status from a script:\n\n\`\`\`ts\n${'const status = await client.refunds.get(orderId);\nconsole.log(status.state);\n'.repeat(6)}\`\`\`\n\n${proseText(400, 5)}`;

/** The mix: [share, call]. Mostly good answers, as in production. */
const MIX: ReadonlyArray<[number, CheckInput]> = [
  [30, callInput({ prompt: ask(EN_Q), response: proseText(1000, 11) })],
  [10, callInput({ prompt: ask(DE_Q), response: DE_A.repeat(9) })],
  [
    5,
    callInput({
      prompt: ask('Où en est mon remboursement ? J’ai renvoyé la veste il y a deux semaines.'),
      response: FR_A.repeat(11),
    }),
  ],
  [
    15,
    callInput({
      prompt: ask('Give me the refund as JSON, please, with every item listed.'),
      response: JSON_A,
    }),
  ],
  [10, callInput({ prompt: ask('How do I check a refund from code?'), response: CODE_A })],
  [5, callInput({ prompt: ask(EN_Q), response: "I'm sorry, but I can't help with that request." })],
  [
    5,
    callInput({
      prompt: ask(EN_Q),
      response: `${proseText(900, 13)} and then the courier will`,
      finish_reason: 'length',
    }),
  ],
  [5, callInput({ prompt: ask(EN_Q), response: 'I will check the status for you. '.repeat(30) })],
  [
    5,
    callInput({
      prompt: ask(EN_Q),
      response: `${proseText(800, 17)} Contact jane.doe@example.com or +44 20 7946 0958.`,
    }),
  ],
  [
    5,
    callInput({
      prompt: ask(EN_Q),
      response: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
    }),
  ],
  [5, callInput({ prompt: ask(EN_Q), response: `${proseText(16_000, 19)}…[truncated 4000 chars]` })],
];
const SYNTHETIC: CheckInput[] = MIX.flatMap(([share, call]) => Array.from({ length: share }, () => call));

/** 300 real calls of the test split: 200 English answers, 100 in other languages, in a fixed order. */
function realCalls(): CheckInput[] {
  const items = [...loadDatasets().values()].flat().filter((i) => i.split === 'test' && i.response.trim());
  const english = items.filter((i) => (i.response_lang ?? i.question_lang ?? 'en') === 'en');
  const other = items.filter((i) => (i.response_lang ?? i.question_lang ?? 'en') !== 'en');
  const every = <T>(xs: readonly T[], n: number): T[] =>
    Array.from({ length: Math.min(n, xs.length) }, (_, k) => xs[Math.floor((k * xs.length) / n)] as T);
  return [...every(english, 200), ...every(other, 100)].map((i) => callInput(inputOf(i)));
}
const REAL = realCalls();
const mixName = process.env['BENCH_MIX'] === 'synthetic' ? 'synthetic' : 'real';
const CALLS = mixName === 'real' ? REAL : SYNTHETIC;

/** Runs `fn` over `calls` for about `seconds`; returns evaluations per second. */
function measure<T>(fn: (input: T) => unknown, seconds: number, calls: readonly T[]): number {
  for (const c of calls) fn(c); // warm-up: JIT, lazy compiles
  let n = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  while (performance.now() < deadline) {
    for (const c of calls) fn(c);
    n += calls.length;
  }
  return n / ((performance.now() - t0) / 1000);
}

const PARAMS: Record<string, unknown> = {
  json_schema: {
    schema: { type: 'object', required: ['refund_id'], properties: { refund_id: { type: 'string' } } },
  },
  regex: { must_not_match: ['(?i)as an ai', '\\bTODO\\b'] },
  length_bounds: { min_chars: 20, max_chars: 4000 },
};

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const rows: Array<[string, string, string]> = [];
for (const check of CHECKS) {
  const evaluate = check.create(check.configSchema.parse(PARAMS[check.id] ?? {}), {});
  const rate = measure(evaluate, SECONDS_PER_CHECK, CALLS);
  rows.push([check.id, fmt(rate), (1e6 / rate).toFixed(1)]);
}
const plan = createCheckPlan(evaluatorsConfigSchema.parse({ rules: [{ checks: PARAMS }] }), {
  routeLengthStats: () => ({ p01: 40, p99: 3000, n: 10_000 }),
});
const JOB: EvalJob = evalJob({ timestamp: Date.now(), route: '/api/support' });
const all = plan.checksFor(JOB);
// The calls as the worker's loader returns them, for the worker's own `runChecks` (the checks,
// their score rows and their metrics): what a worker spends per call, not only the checks.
const STORED: StoredCall[] = CALLS.map((c) =>
  storedCall(JOB, {
    prompt: c.prompt,
    response: c.response,
    finish_reason: c.finish_reason,
    status: c.status,
    output_tokens: c.output_tokens,
    tool_calls: c.tool_calls ?? '',
    tool_definitions: c.tool_definitions ?? '',
  }),
);
// The checks alone, the worker's runChecks and the collector's ingest of the same calls, in
// alternating rounds so all three see the same stretches of this shared machine; the ratio is the
// median of the rounds' ratios.
const ROUNDS = 5;
const ratios: number[] = [];
const bareRates: number[] = [];
const checkRates: number[] = [];
const ingestCosts: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  bareRates.push(
    measure(
      (c: CheckInput) => {
        for (const check of all) check.evaluate(c);
      },
      SECONDS_PER_CHECK / 2,
      CALLS,
    ),
  );
  const rate = measure((c: StoredCall) => runChecks(plan, JOB, c, Date.now()), SECONDS_PER_CHECK / 2, STORED);
  const us = ingestMicrosPerCall(CALLS, SECONDS_PER_CHECK / 2);
  checkRates.push(rate);
  ingestCosts.push(us);
  ratios.push(1e6 / rate / us);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const perCall = median(checkRates);
const ingestUs = median(ingestCosts);
const bare = median(bareRates);
rows.push([`all ${all.length} checks, per call`, fmt(bare), (1e6 / bare).toFixed(1)]);
rows.push([
  `the worker's runChecks (the ${all.length} checks, rows, metrics), per call`,
  fmt(perCall),
  (1e6 / perCall).toFixed(1),
]);
rows.push(['collector ingest (decode + pipeline), per call', fmt(1e6 / ingestUs), ingestUs.toFixed(1)]);

const avgChars = Math.round(CALLS.reduce((s, c) => s + c.response.length, 0) / CALLS.length);
console.log(`cheap checks — ${machine()}`);
console.log(
  mixName === 'real'
    ? `mix: ${CALLS.length} real answers of bench/quality's test split (200 English, 100 in 17 other languages), mean answer ${avgChars} chars (BENCH_MIX=synthetic for the synthetic mix)\n`
    : `mix: ${CALLS.length} calls, ${MIX.length} kinds, mean answer ${avgChars} chars (one 16 KB stored answer in 20)\n`,
);
const header: [string, string, string] = ['check', 'evals/s (1 core)', 'µs/eval'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
const line = (r: readonly string[]) =>
  r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
console.log(
  `\nchecks ÷ ingest, CPU per call (the worker's runChecks against the collector's decode + pipeline): ${median(ratios).toFixed(2)} (median of ${ROUNDS} alternating rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')}; goal ≤ 1: evaluating a call costs no more than ingesting it)`,
);
