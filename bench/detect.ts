/**
 * `npm run bench:detect` — detection quality on simulated traffic, in virtual time.
 *
 * Many series over three simulated days (the first builds the 24 h baseline), one call stream per
 * series with a 95% pass rate, and injected one-hour regressions (pass-rate drops of 5, 10, 20
 * and 40 points) at 0.1, 1 and 10 calls/s, sampling rate 1. The same data goes through Assay's
 * detector (regression rule with its defaults + state machine) and through plain static
 * thresholds ("pass rate < 90% over 5m / 15m, for 2 ticks"). Reports detection delay (median,
 * p90), missed regressions and false alarms per 100 series per day; writes bench/results/detect.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../cli/config.ts';
import type { RuleConfig, RuleConfigInput } from '../alerts/config.ts';
import { SimSeries, drive, rng, type SimEvent } from '../alerts/series/simulate.ts';

const H = 3_600_000;
const M = 60_000;
const DAYS = 3;
const MEASURE_FROM = 24 * H;
const INCIDENT_MS = 60 * M;
const BASE_FAIL = 0.05;
const EFFECTS = [0.05, 0.1, 0.2, 0.4];
const TRAFFIC = [0.1, 1, 10];
const REPLICAS = Number(process.env['BENCH_REPLICAS'] ?? 10);
const STABLE = Number(process.env['BENCH_STABLE'] ?? 100);
const TICK_MS = 30_000;
const FDR = parseConfig({}).alerts.fdr;

interface Injected {
  route: string;
  effect: number;
  rate: number;
  onset?: number;
}

function buildSeries(seed: number): { series: SimSeries[]; injected: Injected[] } {
  const rand = rng(seed);
  const injected: Injected[] = [];
  for (const effect of EFFECTS)
    for (const rate of TRAFFIC)
      for (let r = 0; r < REPLICAS; r++) {
        const onset = MEASURE_FROM + 2 * H + Math.floor(rand() * (DAYS * 24 * H - MEASURE_FROM - 4 * H));
        injected.push({ route: `/reg-${effect * 100}pt-${rate}rps-${r}`, effect, rate, onset });
      }
  for (let i = 0; i < STABLE; i++)
    injected.push({ route: `/stable-${i}`, effect: 0, rate: TRAFFIC[i % TRAFFIC.length]! });
  const series = injected.map(
    (s) =>
      new SimSeries(
        {
          labels: { provider: 'sim', route: s.route, evaluator: 'refusal' },
          rate: s.rate,
          failRate: (t) =>
            s.onset !== undefined && t >= s.onset && t < s.onset + INCIDENT_MS
              ? BASE_FAIL + s.effect
              : BASE_FAIL,
        },
        DAYS * 24 * H,
        rand,
      ),
  );
  return { series, injected };
}

const rule = (r: Partial<RuleConfigInput>): RuleConfig =>
  parseConfig({ alerts: { rules: [{ name: 'x', metric: 'pass_rate', evaluator: 'refusal', ...r }] } }).alerts
    .rules[0]!;

const DETECTORS: { name: string; rule: RuleConfig }[] = [
  { name: 'Assay (regression, defaults)', rule: rule({}) },
  {
    name: 'static: pass < 90% over 5m',
    rule: rule({ kind: 'threshold', window: '5m', threshold: { op: '<', value: 0.9 } }),
  },
  {
    name: 'static: pass < 90% over 15m',
    rule: rule({ kind: 'threshold', window: '15m', threshold: { op: '<', value: 0.9 } }),
  },
];

interface Score {
  delays: Map<string, number[]>;
  missed: Map<string, number>;
  falseAlarms: number;
  nullSeriesDays: number;
  resolveDelays: number[];
}

const cell = (effect: number, rate: number) => `${effect * 100}|${rate}`;

function score(events: SimEvent[], injected: Injected[]): Score {
  const byRoute = new Map<string, SimEvent[]>();
  for (const e of events) byRoute.set(e.labels['route']!, [...(byRoute.get(e.labels['route']!) ?? []), e]);
  const s: Score = {
    delays: new Map(),
    missed: new Map(),
    falseAlarms: 0,
    nullSeriesDays: 0,
    resolveDelays: [],
  };
  const measured = (DAYS * 24 * H - MEASURE_FROM) / (24 * H);
  for (const inj of injected) {
    const evs = byRoute.get(inj.route) ?? [];
    const fired = evs.filter((e) => e.transition === 'firing');
    if (inj.onset === undefined) {
      s.falseAlarms += fired.length;
      s.nullSeriesDays += measured;
      continue;
    }
    // An alert that fires within the hour of the incident is a detection; one after the incident
    // plus the window's drain time (30 min) or before the onset is a false alarm.
    const onset = inj.onset;
    const hit = fired.find((e) => e.t >= onset && e.t < onset + INCIDENT_MS);
    s.falseAlarms += fired.filter((e) => e.t < onset || e.t >= onset + INCIDENT_MS + 30 * M).length;
    s.nullSeriesDays += measured - (INCIDENT_MS + 30 * M) / (24 * H);
    const key = cell(inj.effect, inj.rate);
    if (!hit) s.missed.set(key, (s.missed.get(key) ?? 0) + 1);
    else {
      s.delays.set(key, [...(s.delays.get(key) ?? []), hit.t - onset]);
      const res = evs.find((e) => e.transition === 'resolved' && e.t > hit.t);
      if (res) s.resolveDelays.push(res.t - (onset + INCIDENT_MS));
    }
  }
  return s;
}

function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

const fmtMin = (ms: number) => (Number.isNaN(ms) ? '—' : `${(ms / M).toFixed(1)}`);

function report(scores: Score[], elapsedMs: number, seriesCount: number): string {
  const lines = [
    `# Detection benchmark (\`npm run bench:detect\`)`,
    '',
    `${seriesCount} series (${STABLE} stable, ${REPLICAS} regressions per cell) over ${DAYS} simulated days, ticks every 30 s, ` +
      `baseline pass rate ${(1 - BASE_FAIL) * 100}%, sampling rate 1, one-hour regressions; measured over the last ${DAYS - 1} days. ` +
      `FDR ${FDR}. Real time ${(elapsedMs / 1000).toFixed(1)} s.`,
    '',
    'Detection delay in minutes after the onset (median / p90) and missed regressions (of ' +
      REPLICAS +
      ' per cell):',
    '',
    `| drop (points) | calls/s | ${DETECTORS.map((d) => `${d.name}: median / p90 / missed`).join(' | ')} |`,
    `|---|---|${DETECTORS.map(() => '---').join('|')}|`,
  ];
  for (const effect of EFFECTS)
    for (const rate of TRAFFIC) {
      const k = cell(effect, rate);
      const cols = scores.map((s) => {
        const d = s.delays.get(k) ?? [];
        return `${fmtMin(quantile(d, 0.5))} / ${fmtMin(quantile(d, 0.9))} / ${s.missed.get(k) ?? 0}`;
      });
      lines.push(`| ${effect * 100} | ${rate} | ${cols.join(' | ')} |`);
    }
  lines.push(
    '',
    '| | ' + DETECTORS.map((d) => d.name).join(' | ') + ' |',
    `|---|${DETECTORS.map(() => '---').join('|')}|`,
  );
  lines.push(
    `| false alarms per 100 series per day | ${scores.map((s) => ((100 * s.falseAlarms) / s.nullSeriesDays).toFixed(2)).join(' | ')} |`,
  );
  lines.push(`| false alarms (count) | ${scores.map((s) => s.falseAlarms).join(' | ')} |`);
  lines.push(
    `| first resolve after detection, minutes after recovery ends (median; negative = flapped mid-incident) | ${scores.map((s) => fmtMin(quantile(s.resolveDelays, 0.5))).join(' | ')} |`,
  );
  return lines.join('\n') + '\n';
}

function main(): void {
  const started = Date.now();
  const { series, injected } = buildSeries(Number(process.env['BENCH_SEED'] ?? 7));
  const scores = DETECTORS.map((d) =>
    score(
      drive(series, [d.rule], { start: MEASURE_FROM, end: DAYS * 24 * H, tickMs: TICK_MS, fdr: FDR }),
      injected,
    ),
  );
  const md = report(scores, Date.now() - started, series.length);
  process.stdout.write(md);
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'detect.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, md);
}

main();
