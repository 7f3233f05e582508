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
for (const check of Object.keys(TARGETS)) {
  for (const [name, s] of scored) {
    const m = checkMetrics(s, check);
    if (!m) continue;
    out.push(
      `| ${check} | ${name} | ${m.positives} | ${m.negatives} | ${pct(m.precision)} | ${pct(m.recall)} | ${num(m.f1)} | ${pct(m.falseFlagRate)} (${m.fp}) | ${m.unsure} |`,
    );
  }
  const all = checkMetrics([...scored.values()].flat(), check);
  if (all)
    out.push(
      `| **${check}** | **all** | ${all.positives} | ${all.negatives} | **${pct(all.precision)}** | **${pct(all.recall)}** | **${num(all.f1)}** | **${pct(all.falseFlagRate)}** (${all.fp}) | ${all.unsure} |`,
    );
  // The same pool without the answers written to be flawed, for the checks those datasets label.
  const real = [...scored].filter(([name]) => !SYNTHETIC_ANSWERS.has(name));
  if (
    all &&
    real.length < scored.size &&
    [...scored].some(([n, s]) => SYNTHETIC_ANSWERS.has(n) && checkMetrics(s, check))
  ) {
    const m = checkMetrics(
      real.flatMap(([, s]) => s),
      check,
    );
    if (m)
      out.push(
        `| ${check} | all but ${[...SYNTHETIC_ANSWERS].join(', ')} (synthetic answers) | ${m.positives} | ${m.negatives} | ${pct(m.precision)} | ${pct(m.recall)} | ${num(m.f1)} | ${pct(m.falseFlagRate)} (${m.fp}) | ${m.unsure} |`,
      );
  }
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
