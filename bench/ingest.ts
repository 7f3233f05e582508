// npm run bench:ingest — OTLP protobuf batches of 512 spans (10% LLM calls, ~1 KB prompt and
// ~0.5 KB answer) sent by concurrent clients for a fixed time to `assay collector` (its own
// process, with ClickHouse served by `assay clickhouse` in another), measured until the rows are
// queryable. In the same run: the speed of just decoding the same bytes, as the floor.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { decodeTraces } from '../collector/otlp/index.ts';
import { spanSelection } from '../collector/pipeline.ts';
import { parseConfig } from '../cli/config.ts';
import { freePort } from '../core/free-port.ts';
import { ADMIN_PASSWORD_FILE } from '../storage/embedded/credentials.ts';
import { startTestRedis } from '../test/helpers/redis.ts';
import { buildBatch, stampBatch } from './batches.ts';
import { compareJoinStores } from './ingest-join.ts';
import { cpuSeconds, machine, peakRssMiB, percentile, stop, waitFor } from './proc.ts';

const DURATION_MS = Number(process.env['BENCH_SECONDS'] ?? 20) * 1000;
const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 8);
const BATCH = 512;
const COLLECTOR_EXTRA = (process.env['BENCH_COLLECTOR_CONFIG'] ?? '').split('\n').filter(Boolean);

const dir = mkdtempSync(join(tmpdir(), 'assay-bench-'));
const children: ChildProcess[] = [];

/** Extra node flags for the collector, e.g. BENCH_NODE_ARGS=--cpu-prof to profile it. */
const NODE_ARGS = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);

function assay(args: string[], nodeArgs: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'cli/assay.ts', ...args], {
    stdio: ['ignore', process.env['BENCH_CHILD_STDOUT'] ? 'inherit' : 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

/**
 * Spans decoded per CPU-second on the same bytes, in rounds of `roundMs`: `full` is
 * `decodeTraces` materialising every attribute of every span (the decode floor), `selective`
 * the collector's own decode, which skips the attribute values of spans that cannot be calls.
 * Rounds alternate so both see the same neighbours on this shared machine.
 */
function decodeFloor(
  templates: ReturnType<typeof buildBatch>[],
  rounds: number,
  roundMs = 500,
): { full: number[]; selective: number[] } {
  const copies = templates.map((t, i) => stampBatch(t.bytes, t.traceIdOffsets, i));
  const selection = spanSelection(parseConfig({}).collector.route.keys);
  const out = { full: [] as number[], selective: [] as number[] };
  for (let r = 0; r < rounds * 2; r++) {
    const sel = r % 2 === 1 ? selection : undefined;
    let spans = 0;
    const t0 = process.cpuUsage();
    const end = Date.now() + roundMs;
    while (Date.now() < end) {
      for (const c of copies) spans += decodeTraces(c, 'protobuf', sel).items.length;
    }
    const used = process.cpuUsage(t0);
    (sel ? out.selective : out.full).push(spans / ((used.user + used.system) / 1e6));
  }
  return out;
}

/** A counter of the collector's own metrics, on its ops port (0 before it is first counted). */
async function counterValue(ops: string, series: string): Promise<number> {
  const text = await (await fetch(`${ops}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** CPU seconds the collector has spent decoding trace requests. */
const decodeCpuSeconds = (ops: string): Promise<number> =>
  counterValue(ops, 'assay_otlp_decode_cpu_seconds_total{signal="traces"}');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function main(): Promise<void> {
  // BENCH_JOIN_STORES=memory,redis: collector.join_store side by side instead (bench/ingest-join.ts).
  if (process.env['BENCH_JOIN_STORES']) return compareJoinStores(dir, children);
  const templates = Array.from({ length: 8 }, () => buildBatch(BATCH, 0.1));
  // Floor rounds before the load (nothing else running yet) and after it (below).
  const floorBefore = decodeFloor(templates, 6);
  const llmPerBatch = templates[0]?.llmCalls ?? 0;
  const bytesPerBatch = templates[0]?.bytes.length ?? 0;

  const redis = await startTestRedis();
  const chPort = await freePort();
  const otlpPort = await freePort();
  const opsPort = await freePort();
  mkdirSync(join(dir, 'ch'));
  const cfg = join(dir, 'assay.yaml');
  writeFileSync(
    cfg,
    [
      `data_dir: ${dir}`,
      'log_level: warn',
      `collector:\n  port: ${otlpPort}\n  route:\n    wait: 1s`,
      // Keys under `collector:`, e.g. BENCH_COLLECTOR_CONFIG=$'durability:\n  enabled: false'.
      ...COLLECTOR_EXTRA.map((line) => `  ${line}`),
      `clickhouse:\n  url: http://127.0.0.1:${chPort}\n  embedded:\n    port: ${chPort}\n  writer:\n    batch_rows: 5000`,
      `redis:\n  url: ${redis.url}`,
      `ops:\n  port: ${opsPort}`,
      process.env['BENCH_EXTRA_CONFIG'] ?? '',
    ].join('\n'),
  );
  assay(['clickhouse', '--config', cfg]);
  await waitFor(`http://127.0.0.1:${chPort}/ping`);
  const collector = assay(['collector', '--config', cfg], NODE_ARGS);
  const base = `http://127.0.0.1:${otlpPort}`;
  const ops = `http://127.0.0.1:${opsPort}`;
  await waitFor(`${base}/healthz`);
  const pid = collector.pid as number;

  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let acceptedBatches = 0;
  let seq = 1000;
  const decode0 = await decodeCpuSeconds(ops);
  const cpu0 = cpuSeconds(pid);
  const t0 = Date.now();
  // Every 2.5 s the clients pause, in-flight requests finish (300 ms), and one full and one
  // selective decode round of 250 ms run here: the floor is sampled in the same stretches of
  // time as the load, on a machine whose memory-bound speed drifts 2x over tens of seconds.
  const during = { full: [] as number[], selective: [] as number[] };
  let gate: Promise<void> | undefined;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const floorSampler = (async () => {
    while (Date.now() - t0 < DURATION_MS - 3000) {
      await sleep(2500);
      let release = (): void => undefined;
      gate = new Promise<void>((r) => (release = r));
      await sleep(300);
      const rounds = decodeFloor(templates, 1, 250);
      during.full.push(...rounds.full);
      during.selective.push(...rounds.selective);
      gate = undefined;
      release();
    }
  })();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      while (Date.now() - t0 < DURATION_MS) {
        if (gate) await gate;
        const t = templates[(seq + c) % templates.length] as ReturnType<typeof buildBatch>;
        const body = stampBatch(t.bytes, t.traceIdOffsets, seq++);
        const start = performance.now();
        const res = await fetch(`${base}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - start);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200) acceptedBatches++;
        else await new Promise((r) => setTimeout(r, 100));
      }
    }),
  );
  await floorSampler;
  const sendSeconds = (Date.now() - t0) / 1000;
  const expected = acceptedBatches * llmPerBatch;
  // The embedded server generated its admin password into the shared data_dir.
  const password = readFileSync(join(dir, ADMIN_PASSWORD_FILE), 'utf8').trim();
  const client = createClient({ url: `http://127.0.0.1:${chPort}`, password });
  let stored = 0;
  while (stored < expected) {
    const rs = await client.query({
      query: 'SELECT count() AS n FROM assay.llm_calls',
      format: 'JSONEachRow',
    });
    stored = Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
    if (stored < expected) await new Promise((r) => setTimeout(r, 100));
  }
  const totalSeconds = (Date.now() - t0) / 1000;
  const collectorCpu = cpuSeconds(pid) - cpu0;
  const decodeCpu = (await decodeCpuSeconds(ops)) - decode0;
  const receivedBytes = await counterValue(ops, 'assay_otlp_request_bytes_total{signal="traces"}');
  const loggedBytes = await counterValue(ops, 'assay_wal_appended_bytes_total');
  const rss = peakRssMiB(pid);
  await client.close();
  // Collector first (it flushes into ClickHouse), then the engine.
  for (const child of [...children].reverse()) await stop(child);
  await redis.shutdown();

  const spans = acceptedBatches * BATCH;
  const floorAfter = decodeFloor(templates, 6);
  // The floor is the rounds taken during the load (same stretches of time as the pipeline's
  // figure); the rounds before and after are shown for the spread.
  const floorRates =
    during.full.length >= 3 ? during.full : [...floorBefore.full, ...during.full, ...floorAfter.full];
  const selectiveRates =
    during.selective.length >= 3
      ? during.selective
      : [...floorBefore.selective, ...during.selective, ...floorAfter.selective];
  const aside = [...floorBefore.full, ...floorAfter.full];
  const floor = median(floorRates);
  const selective = median(selectiveRates);
  latencies.sort((a, b) => a - b);
  const pipelinePerCore = spans / collectorCpu;
  const rows = [
    ['machine', machine()],
    [
      'batches',
      `${BATCH} spans (${llmPerBatch} LLM calls), ${(bytesPerBatch / 1024).toFixed(0)} KiB protobuf, ${CLIENTS} clients, ${sendSeconds.toFixed(1)} s`,
    ],
    ['collector config', COLLECTOR_EXTRA.length ? COLLECTOR_EXTRA.join('; ') : 'defaults'],
    ['HTTP statuses', [...statuses].map(([s, n]) => `${s}×${n}`).join(', ')],
    ['spans accepted', `${spans} (${expected} LLM calls, all queryable after ${totalSeconds.toFixed(1)} s)`],
    [
      'wall-clock throughput',
      `${(spans / totalSeconds).toFixed(0)} spans/s, ${(expected / totalSeconds).toFixed(0)} LLM calls/s (until queryable; 2 cores shared with the load generator and ClickHouse)`,
    ],
    ['collector CPU', `${collectorCpu.toFixed(1)} s`],
    [
      'pipeline, per collector core',
      `${pipelinePerCore.toFixed(0)} spans/s, ${(expected / collectorCpu).toFixed(0)} LLM calls/s`,
    ],
    [
      'decode floor, per core',
      `${floor.toFixed(0)} spans/s (decodeTraces on the same bytes alone, every attribute of every span: median of ${floorRates.length} rounds taken during the load, range ${Math.min(...floorRates).toFixed(0)}–${Math.max(...floorRates).toFixed(0)}; rounds before and after it: ${Math.min(...aside).toFixed(0)}–${Math.max(...aside).toFixed(0)})`,
    ],
    [
      'pipeline / decode floor',
      `${(pipelinePerCore / floor).toFixed(2)} (${(pipelinePerCore / Math.max(...floorRates)).toFixed(2)}–${(pipelinePerCore / Math.min(...floorRates)).toFixed(2)} over the floor's range)`,
    ],
    [
      'selective decode alone, per core',
      `${selective.toFixed(0)} spans/s (what the collector's decoder does: attribute values of spans that cannot be calls are skipped; median of ${selectiveRates.length} rounds during the load, range ${Math.min(...selectiveRates).toFixed(0)}–${Math.max(...selectiveRates).toFixed(0)})`,
    ],
    ['pipeline / selective decode alone', `${(pipelinePerCore / selective).toFixed(2)}`],
    [
      'decode inside the collector, per core',
      `${(spans / decodeCpu).toFixed(0)} spans/s (assay_otlp_decode_cpu_seconds_total: the selective decode at the same time, same machine state)`,
    ],
    [
      'pipeline / decode inside the collector',
      `${(decodeCpu / collectorCpu).toFixed(2)} (share of the collector's CPU that is decoding)`,
    ],
    [
      'request latency',
      `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
    ],
    ['collector peak RSS', `${rss.toFixed(0)} MiB`],
    [
      'write-ahead log bytes / request bytes',
      `${(loggedBytes / Math.max(1, receivedBytes)).toFixed(3)} (assay_wal_appended_bytes_total over assay_otlp_request_bytes_total; 0 with durability off)`,
    ],
  ];
  const table = ['| measure | value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join(
    '\n',
  );
  process.stdout.write(`\n${table}\n`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/ingest.md', `${table}\n`);
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const ch of children) if (ch.exitCode === null) ch.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
