// npm run bench:evaluate (queue part) — end-to-end evaluation jobs through Redis and BullMQ:
// calls stored in ClickHouse (embedded, served from this process), jobs queued by the producer,
// scored by `assay worker` in its own process (the real cheap checks; judges off, i.e. stubbed
// out), rows written to llm_scores / call_verdicts. Measures: sampler decisions per second, the
// rate at which a backlog drains, then queue depth and worker RSS under a sustained offered rate.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { Queue } from 'bullmq';
import { createSampler } from '../intake/sampling/index.ts';
import { samplingConfigSchema } from '../intake/sampling/config.ts';
import { parseConfig } from '../cli/config.ts';
import { EVAL_QUEUE_NAME } from '../core/eval-job.ts';
import { silentLogger } from '../core/logger.ts';
import { createEvalProducer, type EvalProducer } from '../intake/producer.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { startEmbeddedClickhouse } from '../storage/embedded/index.ts';
import { migrate } from '../storage/migrate.ts';
import { insertCalls, jobsFor, makeCall } from '../test/fixtures/eval-calls.ts';
import { startTestRedis } from '../test/helpers/redis.ts';
import { cpuSeconds, machine, peakRssMiB } from './proc.ts';

const BACKLOG = Number(process.env['BENCH_BACKLOG'] ?? 20_000);
const RATE = Number(process.env['BENCH_RATE'] ?? 300);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 200);
const SCALE_JOBS = Number(process.env['BENCH_SCALE_JOBS'] ?? 10_000);
const SCALE_WORKERS = (process.env['BENCH_WORKERS'] ?? '1,2,3').split(',').map(Number);
const DB = 'assay_bench_eval';
const PREFIX = 'bench';

const dir = mkdtempSync(join(tmpdir(), 'assay-bench-eval-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function samplerRate(): number {
  const s = createSampler(samplingConfigSchema.parse({ rate: 0.1, floor_per_minute: 5 }), {
    queueDepth: () => 0,
  });
  const call = makeCall(0, 'sampler');
  const ids = Array.from({ length: 10_000 }, () => randomBytes(16).toString('hex'));
  const n = 2_000_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++)
    s.decide({ ...call, trace_id: ids[i % ids.length] as string, route: `/r${i % 50}` });
  return n / ((performance.now() - t0) / 1000);
}

function startWorker(config: unknown): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/worker-main.ts'], {
    env: { ...process.env, ASSAY_TEST_CONFIG: JSON.stringify(config), ASSAY_TEST_SPOOL: join(dir, 'spool') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

/**
 * Scale-out: a backlog of `SCALE_JOBS` fresh jobs drained by `workers` worker processes started
 * together on the same queue; jobs/s from their start to the last verdict, and their CPU.
 */
async function drainWith(
  phase: number,
  workers: number,
  ctx: { input: unknown; client: ClickHouseClient; queue: Queue; producer: EvalProducer },
): Promise<{ jobsPerSecond: number; cpuPer1000: number }> {
  const verdicts = async (): Promise<number> => {
    const rs = await ctx.client.query({
      query: `SELECT count() AS n FROM ${DB}.call_verdicts`,
      format: 'JSONEachRow',
    });
    return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
  };
  const calls = Array.from({ length: SCALE_JOBS }, (_, i) => makeCall(i, `scale-${phase}`));
  await insertCalls(ctx.client, DB, calls);
  const before = await verdicts();
  ctx.producer.enqueue(jobsFor(calls));
  while ((await ctx.queue.getJobCounts('waiting'))['waiting'] !== SCALE_JOBS) await sleep(50);
  const procs = await Promise.all(Array.from({ length: workers }, () => startWorker(ctx.input)));
  const cpu0 = procs.map((p) => cpuSeconds(p.pid ?? 0));
  const t0 = performance.now();
  while ((await verdicts()) - before < SCALE_JOBS) await sleep(100);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = procs.reduce((sum, p, i) => sum + cpuSeconds(p.pid ?? 0) - (cpu0[i] ?? 0), 0);
  await Promise.all(procs.map((p) => new Promise((r) => (p.once('exit', r), p.kill('SIGTERM')))));
  const result = { jobsPerSecond: SCALE_JOBS / seconds, cpuPer1000: (cpu / SCALE_JOBS) * 1000 };
  // Progress on stderr: on a loaded machine the whole run takes minutes.
  console.error(
    `${workers} worker(s): ${result.jobsPerSecond.toFixed(0)} jobs/s, ${result.cpuPer1000.toFixed(2)} CPU-s per 1000 jobs`,
  );
  return result;
}

async function main(): Promise<void> {
  const decisions = samplerRate();
  const redis = await startTestRedis();
  const ch = await startEmbeddedClickhouse({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });
  const input = {
    data_dir: dir,
    log_level: 'silent',
    redis: { url: redis.url, prefix: PREFIX },
    clickhouse: { url: ch.url, database: DB, password: ch.admin.password },
    worker: { concurrency: CONCURRENCY },
  };
  const config = parseConfig(input);
  const client = createClickhouseClient(config.clickhouse, ch.url);
  await migrate(client, { database: DB, ttlDays: 30, logger: silentLogger });
  const total = BACKLOG + RATE * SECONDS;
  const calls = Array.from({ length: total }, (_, i) => makeCall(i, 'bench'));
  await insertCalls(client, DB, calls);
  const jobs = jobsFor(calls);
  const producer = await createEvalProducer({ redis: redis.url, prefix: PREFIX, logger: silentLogger });
  const queue = new Queue(EVAL_QUEUE_NAME, { connection: { url: redis.url }, prefix: PREFIX });
  // Done = the call's verdict row is in ClickHouse (BullMQ's completed list is capped by
  // removeOnComplete, so it cannot be counted past 10000), plus jobs given up.
  const completed = async () => {
    const rs = await client.query({
      query: `SELECT count() AS n FROM ${DB}.call_verdicts`,
      format: 'JSONEachRow',
    });
    const [{ n } = { n: 0 }] = await rs.json<{ n: string | number }>();
    return Number(n) + ((await queue.getJobCounts('failed'))['failed'] ?? 0);
  };
  // 1. Drain a backlog.
  producer.enqueue(jobs.slice(0, BACKLOG));
  while ((await queue.getJobCounts('waiting'))['waiting'] !== BACKLOG) await sleep(50);
  const worker = await startWorker(input);
  const pid = worker.pid ?? 0;
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  while ((await completed()) < BACKLOG) await sleep(100);
  const drainSeconds = (performance.now() - t0) / 1000;
  const drainCpu = cpuSeconds(pid) - cpu0;

  // 2. Sustained offered load.
  const depths: number[] = [];
  let sent = BACKLOG;
  const tick = 100;
  const cpu1 = cpuSeconds(pid);
  const t1 = performance.now();
  for (let elapsed = 0; elapsed < SECONDS * 1000; elapsed += tick) {
    const target = BACKLOG + Math.floor(((elapsed + tick) / 1000) * RATE);
    producer.enqueue(jobs.slice(sent, target));
    sent = target;
    if (elapsed % 1000 === 0) depths.push(producer.depth());
    await sleep(tick);
  }
  while ((await completed()) < sent) await sleep(100);
  const sustainSeconds = (performance.now() - t1) / 1000;
  const sustainCpu = cpuSeconds(pid) - cpu1;
  const rss = peakRssMiB(pid);
  const scores = await client.query({
    query: `SELECT count() AS n FROM ${DB}.llm_scores`,
    format: 'JSONEachRow',
  });
  const [{ n } = { n: '0' }] = await scores.json<{ n: string }>();
  const failed = await queue.getFailed(0, 0);
  const failedCount = (await queue.getJobCounts('failed'))['failed'] ?? 0;

  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  // 3. Scale-out: the same kind of backlog, drained by 1, 2, 3 worker processes.
  const scale: Array<[number, { jobsPerSecond: number; cpuPer1000: number }]> = [];
  for (const [i, w] of SCALE_WORKERS.entries())
    scale.push([w, await drainWith(i, w, { input, client, queue, producer })]);
  await producer.shutdown();
  await queue.close();
  await client.close();
  await ch.shutdown();
  await redis.shutdown();
  rmSync(dir, { recursive: true, force: true });

  const rows: Array<[string, string]> = [
    ['machine', machine()],
    ['sampler decisions/s (one core, 50 strata, floors on)', Math.round(decisions).toLocaleString('en')],
    [
      `backlog of ${BACKLOG} jobs drained (jobs/s, worker concurrency ${CONCURRENCY})`,
      (BACKLOG / drainSeconds).toFixed(0),
    ],
    ['  worker CPU-seconds per 1000 jobs', ((drainCpu / BACKLOG) * 1000).toFixed(2)],
    ['  jobs per worker CPU-second (≈ per core)', (BACKLOG / drainCpu).toFixed(0)],
    [`sustained ${RATE} jobs/s for ${SECONDS}s: max queue depth (sampled 1/s)`, String(Math.max(...depths))],
    ['  wall time until all done (s)', sustainSeconds.toFixed(1)],
    ['  worker CPU utilisation', `${((sustainCpu / sustainSeconds) * 100).toFixed(0)}%`],
    ['worker peak RSS (MiB)', rss.toFixed(0)],
    ['score rows written', String(n)],
    ['jobs failed', `${failedCount}${failed[0] ? ` (e.g. ${failed[0].failedReason})` : ''}`],
    ...scale.map(([w, r]): [string, string] => [
      `${SCALE_JOBS} fresh jobs drained by ${w} worker process${w > 1 ? 'es' : ''} (jobs/s; ÷ first; worker CPU-s per 1000)`,
      `${r.jobsPerSecond.toFixed(0)}; ${(r.jobsPerSecond / (scale[0]?.[1].jobsPerSecond ?? 1)).toFixed(2)}; ${r.cpuPer1000.toFixed(2)}`,
    ]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

await main();
