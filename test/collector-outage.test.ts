import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../cli/config.ts';
import { openRuntime, type Runtime } from '../cli/runtime.ts';
import { startCollector, type CollectorRole } from '../cli/roles/collector.ts';
import { eventually, readUntilAtLeast } from './helpers/eventually.ts';
import { ClickhouseProcess } from './helpers/clickhouse-process.ts';
import { otlpJsonRequest, postTraces } from './helpers/otlp-json.ts';

// ClickHouse runs as its own `assay clickhouse` process (as when roles run separately). It is
// stopped while clients keep sending, then started again on the same data directory: every
// call the collector answered 200 for must be in the table exactly once, and in the rollup once.

const dir = mkdtempSync(join(tmpdir(), 'assay-outage-'));
let clickhouse: ClickhouseProcess | undefined;
let rt: Runtime | undefined;
let collector: CollectorRole | undefined;

afterAll(async () => {
  await collector?.shutdown();
  await rt?.shutdown();
  await clickhouse?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// The collector's warnings and errors, kept to say why when a call goes missing.
const logged: string[] = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line.trim()) });

/** Set for `assay clickhouse` and the collector alike (each has its own data_dir). */
const PASSWORD = 'outage-test-password';

describe('ClickHouse unavailable under load', () => {
  it('keeps every accepted call, exactly once, through the outage', async () => {
    clickhouse = await ClickhouseProcess.inDir(dir, PASSWORD);
    await clickhouse.start(30_000);

    const config = parseConfig({
      data_dir: join(dir, 'collector'),
      collector: { port: 0, route: { wait: '300ms' } },
      clickhouse: {
        url: clickhouse.url,
        password: PASSWORD,
        writer: { flush_interval: '100ms', batch_rows: 200 },
      },
    });
    rt = await openRuntime(config, logger, { needRedis: false });
    collector = await startCollector(rt);
    const url = collector.url;

    const accepted = new Set<string>();
    let sending = true;
    const statuses = new Map<number, number>();
    const senders = Array.from({ length: 4 }, async () => {
      while (sending) {
        const { body, spanIds } = otlpJsonRequest(
          Array.from({ length: 20 }, () => ({ route: '/api/outage' })),
        );
        const status = await postTraces(url, body);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) for (const id of spanIds) accepted.add(id);
        else await new Promise((r) => setTimeout(r, 50));
      }
    });

    await new Promise((r) => setTimeout(r, 1500));
    await clickhouse?.stop();
    const acceptedBeforeOutage = accepted.size;
    await new Promise((r) => setTimeout(r, 2500));
    const acceptedDuringOutage = accepted.size - acceptedBeforeOutage;
    await clickhouse.start(30_000);
    await new Promise((r) => setTimeout(r, 1500));
    sending = false;
    await Promise.all(senders);

    // The collector kept answering 200 while ClickHouse was down (calls went to the spool).
    expect(acceptedDuringOutage).toBeGreaterThan(0);
    const total = accepted.size;
    const rows = await eventually(async () => {
      const rs = await rt!.clickhouse.query({
        query: `SELECT count() AS n, uniqExact(span_id) AS u FROM assay.llm_calls WHERE route = '/api/outage'`,
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      });
      const [r] = await rs.json<{ n: number; u: number }>();
      return r && r.n >= total ? r : undefined;
    }, 30_000);
    const why = `collector warnings and errors:\n${logged.join('\n')}`;
    // No batch was refused by ClickHouse and kept aside.
    expect(readdirSync(join(dir, 'collector', 'spool', 'llm_calls', 'dead')), why).toEqual([]);
    expect(rows.u, why).toBe(total);
    expect(rows.n, why).toBe(total);
    // The last insert's view part may land a moment after its table part: read until it has.
    const rollup = await readUntilAtLeast(async () => {
      const rs = await rt!.clickhouse.query({
        query: `SELECT sum(calls) AS calls FROM assay.llm_calls_1m WHERE route = '/api/outage'`,
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      });
      const [r] = await rs.json<{ calls: number }>();
      return r?.calls;
    }, total);
    expect(rollup, why).toBe(total);
    const ids = await rt.clickhouse.query({
      query: `SELECT span_id FROM assay.llm_calls WHERE route = '/api/outage'`,
      format: 'JSONEachRow',
    });
    const stored = new Set((await ids.json<{ span_id: string }>()).map((r) => r.span_id));
    for (const id of accepted) expect(stored.has(id)).toBe(true);
  });
});
