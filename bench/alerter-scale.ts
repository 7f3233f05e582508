// npm run bench:alerter — what one alerter tick costs as the number of series grows. For each
// size, a day of verdicts for that many (provider, route) series is generated in the embedded
// ClickHouse (one scored call per series every 5 minutes, 5 % failing; INSERT … SELECT from
// numbers(), so the rollups are filled by the real materialised views), then the real alerter
// (lock and state in a real redis-server, the default rule: semantic_failure_rate by provider
// and route, 15 m + 5 m windows against a 24 h baseline) ticks several times. Reports the tick's
// wall time (median) and the CPU it costs; ClickHouse runs in this process, so the CPU is the
// alerter's and its queries' together, which is what a deployment pays per tick.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { Redis } from 'ioredis';
import { createAlerter } from '../alerts/alerter.ts';
import { parseConfig } from '../cli/config.ts';
import { silentLogger } from '../core/logger.ts';
import { createClickhouseClient } from '../storage/client.ts';
import { startEmbeddedClickhouse } from '../storage/embedded/index.ts';
import { migrate } from '../storage/migrate.ts';
import { startTestRedis } from '../test/helpers/redis.ts';
import { machine, percentile } from './proc.ts';

const SIZES = (process.env['BENCH_SERIES'] ?? '100,1000,5000').split(',').map(Number);
const TICKS = Number(process.env['BENCH_TICKS'] ?? 5);
const PROVIDERS = 10;
const PER_DAY = 288; // one scored call per series every 5 minutes

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'assay-bench-alerter-'));
  const ch = await startEmbeddedClickhouse({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
  });
  const server = await startTestRedis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 3 });
  const client = createClickhouseClient({ ...parseConfig({}).clickhouse, ...ch.admin }, ch.url);
  const rows: Array<[string, string]> = [['machine', machine()]];
  try {
    for (const size of SIZES) {
      const db = `assay_bench_alerter_${size}`;
      await migrate(client, { database: db, ttlDays: 30, logger: silentLogger });
      const now = Date.now();
      const t0 = performance.now();
      // INSERT … SELECT runs on the engine itself (the HTTP interface takes an insert's rows from
      // the request body).
      const session = new Session(join(dir, 'clickhouse'));
      try {
        session.query(
          `INSERT INTO ${db}.call_verdicts (timestamp, trace_id, span_id, service, provider, model, route, status, failed, failed_evaluators, sample_weight)
          SELECT fromUnixTimestamp64Milli(${now} - intDiv(number, ${size}) * 300000 - (number % 300) * 1000),
                 lower(hex(cityHash64(number))), 'aaaaaaaaaaaaaaaa', 'svc',
                 concat('p', toString(number % ${size} % ${PROVIDERS})),
                 'm', concat('/r', toString(intDiv(number % ${size}, ${PROVIDERS}))), 'ok',
                 if(cityHash64(number, 1) % 100 < 5, 1, 0), [], 1
          FROM numbers(${size * PER_DAY})`,
          'TSV',
        );
      } finally {
        session.close();
      }
      const loadSeconds = (performance.now() - t0) / 1000;
      const config = parseConfig({
        clickhouse: { database: db },
        redis: { prefix: `bench-${size}` },
        alerts: { interval: '30s' },
      });
      const alerter = createAlerter({ config, clickhouse: client, redis, logger: silentLogger });
      const walls: number[] = [];
      let cpu = 0;
      let series = 0;
      for (let i = 0; i <= TICKS; i++) {
        const c0 = process.cpuUsage();
        const w0 = performance.now();
        const tick = await alerter.tickOnce();
        const wall = performance.now() - w0;
        const used = process.cpuUsage(c0);
        // The first tick warms caches (and loads empty state): not counted.
        if (i === 0) continue;
        walls.push(wall);
        cpu += (used.user + used.system) / 1000;
        series = tick.outcome?.evaluations.length ?? 0;
      }
      await alerter.shutdown();
      walls.sort((a, b) => a - b);
      const cpuPerTick = cpu / TICKS;
      rows.push(
        [
          `${size} series: data loaded (${(size * PER_DAY).toLocaleString('en')} verdicts, s)`,
          loadSeconds.toFixed(1),
        ],
        [`  series evaluated per tick`, String(series)],
        [
          `  tick wall time, median / max (ms)`,
          `${percentile(walls, 50).toFixed(0)} / ${(walls.at(-1) ?? 0).toFixed(0)}`,
        ],
        [`  CPU per tick (ms; alerter + its ClickHouse queries)`, cpuPerTick.toFixed(0)],
        [`  CPU per tick per 1,000 series (ms)`, ((cpuPerTick / size) * 1000).toFixed(0)],
        [`  share of one core at alerts.interval 30 s`, `${((cpuPerTick / 30_000) * 100).toFixed(2)} %`],
      );
    }
  } finally {
    redis.disconnect();
    await client.close();
    await ch.shutdown();
    await server.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

await main();
