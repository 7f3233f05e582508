// BENCH_JOIN_STORES=memory,redis npm run bench:ingest — what `collector.join_store.type: redis`
// costs beside `memory`: the bench's batches (bench/batches.ts: 512 spans in traces of ~16, 10 %
// LLM calls) sent by concurrent clients to one `assay collector` process per round, the stores
// alternating round by round (BENCH_JOIN_ROUNDS rounds each) on one ClickHouse (`assay
// clickhouse`) and one redis-server, each round measured until its rows are queryable.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { freePort } from '../core/free-port.ts';
import { ADMIN_PASSWORD_FILE } from '../storage/embedded/credentials.ts';
import { startTestRedis } from '../test/helpers/redis.ts';
import { buildBatch, stampBatch } from './batches.ts';
import { cpuSeconds, machine, percentile, stop, waitFor } from './proc.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 15);
const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 8);
const ROUNDS = Number(process.env['BENCH_JOIN_ROUNDS'] ?? 2);
const BATCH = 512;
/** BENCH_JOIN_SPLIT=1: each batch as two requests, its LLM spans first (every call waits). */
const SPLIT = process.env['BENCH_JOIN_SPLIT'] === '1';

interface Round {
  store: string;
  spans: number;
  calls: number;
  collectorCpu: number;
  redisCpu: number;
  requests: number;
  roundTrips: number;
  failures: number;
  latencies: number[];
  statuses: Map<number, number>;
}

/** Sum of a metric's series on an ops port (0 before it is first counted). */
async function metricSum(ops: string, name: string, filter = ''): Promise<number> {
  const text = await (await fetch(`${ops}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && l.includes(filter) && !l.startsWith('#'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

async function count(client: ClickHouseClient): Promise<number> {
  const rs = await client.query({ query: 'SELECT count() AS n FROM assay.llm_calls', format: 'JSONEachRow' });
  return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
}

export async function compareJoinStores(dir: string, children: ChildProcess[]): Promise<void> {
  const stores = (process.env['BENCH_JOIN_STORES'] ?? 'memory,redis').split(',').filter(Boolean);
  const templates = Array.from({ length: 8 }, () => buildBatch(BATCH, 0.1));
  const llmPerBatch = templates[0]?.llmCalls ?? 0;
  const redis = await startTestRedis();
  const chPort = await freePort();
  mkdirSync(join(dir, 'ch'), { recursive: true });
  const chConfig = join(dir, 'clickhouse.yaml');
  writeFileSync(
    chConfig,
    [`data_dir: ${dir}`, 'log_level: warn', `clickhouse:\n  embedded:\n    port: ${chPort}`].join('\n'),
  );
  const spawnAssay = (args: string[]): ChildProcess => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/assay.ts', ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  };
  spawnAssay(['clickhouse', '--config', chConfig]);
  await waitFor(`http://127.0.0.1:${chPort}/ping`);
  const password = readFileSync(join(dir, ADMIN_PASSWORD_FILE), 'utf8').trim();
  const client = createClient({ url: `http://127.0.0.1:${chPort}`, password });
  let seq = 1000;

  const round = async (store: string, n: number): Promise<Round> => {
    const [otlpPort, opsPort] = [await freePort(), await freePort()];
    const cfg = join(dir, `collector-${store}-${n}.yaml`);
    writeFileSync(
      cfg,
      JSON.stringify({
        data_dir: join(dir, `collector-${store}-${n}`),
        log_level: 'warn',
        collector: { port: otlpPort, route: { wait: '1s' }, join_store: { type: store } },
        clickhouse: { url: `http://127.0.0.1:${chPort}`, password, writer: { batch_rows: 5000 } },
        redis: { url: redis.url },
        ops: { port: opsPort },
      }),
    );
    const collector = spawnAssay(['collector', '--config', cfg]);
    const base = `http://127.0.0.1:${otlpPort}`;
    const ops = `http://127.0.0.1:${opsPort}`;
    await waitFor(`${base}/healthz`);
    const stored0 = await count(client);
    const [cpu0, redisCpu0] = [cpuSeconds(collector.pid as number), cpuSeconds(redis.pid() as number)];
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let accepted = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        while (Date.now() - t0 < SECONDS * 1000) {
          const t = templates[(seq + c) % templates.length] as ReturnType<typeof buildBatch>;
          const n = seq++;
          let ok = true;
          for (const part of SPLIT ? t.split : [t]) {
            const start = performance.now();
            const res = await fetch(`${base}/v1/traces`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-protobuf' },
              body: stampBatch(part.bytes, part.traceIdOffsets, n),
            });
            await res.arrayBuffer();
            latencies.push(performance.now() - start);
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            ok &&= res.status === 200;
          }
          if (ok) accepted++;
          else await new Promise((r) => setTimeout(r, 100));
        }
      }),
    );
    const expected = accepted * llmPerBatch;
    while ((await count(client)) < stored0 + expected) await new Promise((r) => setTimeout(r, 100));
    const result: Round = {
      store,
      spans: accepted * BATCH,
      calls: expected,
      collectorCpu: cpuSeconds(collector.pid as number) - cpu0,
      redisCpu: cpuSeconds(redis.pid() as number) - redisCpu0,
      requests: accepted,
      roundTrips: await metricSum(ops, 'assay_join_store_round_trips_total', 'op="exchange"'),
      failures: await metricSum(ops, 'assay_join_store_failures_total'),
      latencies: latencies.sort((a, b) => a - b),
      statuses,
    };
    await stop(collector);
    return result;
  };

  const rounds: Round[] = [];
  for (let n = 0; n < ROUNDS; n++) for (const store of stores) rounds.push(await round(store, n));
  await client.close();
  for (const child of [...children].reverse()) await stop(child);
  await redis.shutdown();

  const perCore = (r: Round): number => r.spans / r.collectorCpu;
  const rows = rounds.map((r, i) => {
    const first = rounds[i - (i % stores.length)] as Round;
    return [
      String(Math.floor(i / stores.length) + 1),
      r.store,
      [...r.statuses].map(([s, k]) => `${s}×${k}`).join(', '),
      `${perCore(r).toFixed(0)} spans/s, ${(r.calls / r.collectorCpu).toFixed(0)} calls/s`,
      (perCore(r) / perCore(first)).toFixed(2),
      `${percentile(r.latencies, 50).toFixed(1)} / ${percentile(r.latencies, 99).toFixed(1)}`,
      ((r.redisCpu * 1000) / r.requests).toFixed(2),
      (r.roundTrips / (r.requests * (SPLIT ? 2 : 1))).toFixed(2),
      String(r.failures),
    ];
  });
  const table = [
    `machine: ${machine()}; ${CLIENTS} clients, ${SECONDS} s per round, ${BATCH} spans (${llmPerBatch} LLM calls) per batch, ${SPLIT ? 'sent as two requests (its LLM spans, then the rest)' : 'one request each'}`,
    '',
    `| round | join store | HTTP statuses | per collector core | ÷ ${stores[0]} | p50 / p99 ms | redis-server CPU-ms per batch | join round trips per request | join failures |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  process.stdout.write(`\n${table}\n`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/ingest-join.md', `${table}\n`);
}
