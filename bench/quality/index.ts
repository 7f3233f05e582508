/**
 * `npm run bench:quality` — detection quality of the cheap checks on labeled public data.
 *
 * Every dataset of bench/quality/datasets/ (sources and licences in each SOURCE.md) is split
 * 60/20/20 by question; only the test split is reported (`--split dev` prints the split the
 * checks were tuned on instead). For every check: precision, recall and F1 on its positives
 * and the false-flag rate on its negatives, per dataset; the share of good answers failed by
 * any check; the cascade's judge calls; and the language identifiers side by side. Writes
 * bench/results/quality.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDatasets, type Split } from './dataset.ts';
import { languageIdTable } from './language-id-bench.ts';
import {
  cascadeFigures,
  checkMetrics,
  isGood,
  type Metrics,
  scoreItem,
  SYNTHETIC_ANSWERS,
  TARGETS,
  type ScoredItem,
} from './score.ts';

const split = (
  process.argv.includes('--split') ? process.argv[process.argv.indexOf('--split') + 1] : 'test'
) as Split;
const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '–');
const num = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '–');

const datasets = loadDatasets();
const scored = new Map<string, ScoredItem[]>();
for (const [name, items] of datasets) scored.set(name, items.filter((i) => i.split === split).map(scoreItem));

const out: string[] = [
  `# Detection quality (${split} split)`,
  '',
  `${[...scored.values()].reduce((n, s) => n + s.length, 0)} labeled items of ${scored.size} datasets; checks at their defaults, \`min_confidence\` 0.8. A flag is a sure failure; unsure verdicts count as not flagged (the cascade section shows what a judge adds).`,
  '',
  '## Per check and dataset',
  '',
  '| check | dataset | positives | negatives | precision | recall | F1 | false flags on negatives | unsure |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
/** One row of the per-check table; `bold` for a pool's figures. */
function metricsRow(check: string, pool: string, m: Metrics, bold = false): string {
  const b = (x: string): string => (bold ? `**${x}**` : x);
  return `| ${b(check)} | ${b(pool)} | ${m.positives} | ${m.negatives} | ${b(pct(m.precision))} | ${b(pct(m.recall))} | ${b(num(m.f1))} | ${b(pct(m.falseFlagRate))} (${m.fp}) | ${m.unsure} |`;
}

for (const check of Object.keys(TARGETS)) {
  for (const [name, s] of scored) {
    const m = checkMetrics(s, check);
    if (m) out.push(metricsRow(check, name, m));
  }
  const all = checkMetrics([...scored.values()].flat(), check);
  if (!all) continue;
  out.push(metricsRow(check, 'all', all, true));
  // The same pool without the answers written to be flawed, for the checks those datasets label.
  const synthetic = [...scored].filter(([name]) => SYNTHETIC_ANSWERS.has(name));
  if (!synthetic.some(([, s]) => checkMetrics(s, check))) continue;
  const real = checkMetrics(
    [...scored].filter(([name]) => !SYNTHETIC_ANSWERS.has(name)).flatMap(([, s]) => s),
    check,
  );
  if (real)
    out.push(metricsRow(check, `all but ${synthetic.map(([n]) => n).join(', ')} (synthetic answers)`, real));
}

out.push(
  '',
  '## Good answers failed by a check',
  '',
  'A good answer: every label its source gives says nothing is wrong (compliant, same language, complete, no error body, no loop, no personal data).',
  '',
  '| dataset | good answers | failed by any check | by check |',
  '| --- | ---: | ---: | --- |',
);
for (const [name, s] of scored) {
  const good = s.filter((x) => isGood(x.item.labels, x.item.finish_reason));
  if (good.length === 0) continue;
  const by = new Map<string, number>();
  let any = 0;
  for (const g of good) {
    const failed = [...g.verdicts].filter(([, v]) => v.verdict === 'fail').map(([id]) => id);
    if (failed.length) any++;
    for (const id of failed) by.set(id, (by.get(id) ?? 0) + 1);
  }
  const detail =
    [...by]
      .sort((a, b) => b[1] - a[1])
      .map(([id, n]) => `${id} ${n}`)
      .join(', ') || '–';
  out.push(`| ${name} | ${good.length} | ${pct(any / good.length)} (${any}) | ${detail} |`);
}

out.push(
  '',
  '## The cascade: judge calls against judging every call',
  '',
  "Unsure verdicts go to the judge; sure ones stand. No LLM judge runs on this machine, so the judge is modelled as agreeing with the human label with the given accuracy (deterministic per item); 'judge all' is that judge on every call.",
  '',
  '| check | judge accuracy | calls | judge calls (cascade) | share | F1 cascade | F1 judge all |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
);
for (const check of ['refusal', 'language_match']) {
  for (const accuracy of [1, 0.9]) {
    const c = cascadeFigures([...scored.values()].flat(), check, accuracy);
    if (!c) continue;
    out.push(
      `| ${check} | ${pct(accuracy)} | ${c.calls} | ${c.judgeCalls} | ${pct(c.judgeCalls / c.calls)} | ${num(c.cascadeF1)} | ${num(c.judgeAllF1)} |`,
    );
  }
}

out.push(
  '',
  '## Language identifiers side by side',
  '',
  await languageIdTable([...datasets.values()].flat(), split),
);

const text = `${out.join('\n')}\n`;
process.stdout.write(text);
if (split === 'test') {
  const dir = join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'quality.md'), text);
}
