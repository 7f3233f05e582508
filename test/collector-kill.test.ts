import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../core/free-port.ts';
import { eventually } from './helpers/assay.ts';
import { startBackends, type TestBackends } from './helpers/backends.ts';
import { otlpJsonRequest, postTraces } from './helpers/otlp-json.ts';

// `assay collector` as a real process is killed with SIGKILL while clients send a few hundred
// calls a second, then started again on the same data_dir: every call it answered 200 for is
// in assay.llm_calls exactly once — calls whose route is on their span, and calls that were
// still waiting for a SERVER span sent in a later request. What carried them over is the
// write-ahead log (collector.durability); the writer's buffer and the route wait were memory.

let backends: TestBackends;
const children: ChildProcess[] = [];

beforeAll(async () => {
  backends = await startBackends('assay-kill-');
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await backends?.shutdown();
});

type Req = {
  resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ kind: number; attributes: unknown[] }> }> }>;
};

/** Keeps the spans of one kind; `route` puts an explicit assay.route on the LLM spans. */
function reshape(body: string, kind: number, route?: string): string {
  const req = JSON.parse(body) as Req;
  for (const rs of req.resourceSpans)
    for (const ss of rs.scopeSpans) {
      ss.spans = ss.spans.filter((s) => s.kind === kind);
      if (route)
        for (const s of ss.spans) s.attributes.push({ key: 'assay.route', value: { stringValue: route } });
    }
  return JSON.stringify(req);
}

function startCollector(configPath: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/assay.ts', 'collector', '--config', configPath],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  children.push(child);
  return { child, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

describe('SIGKILL of the collector under load', () => {
  it('keeps every call it answered 200 for, exactly once, with the route a later SERVER span gave', async () => {
    const port = await freePort();
    const configPath = join(backends.dir, 'assay.yaml');
    writeFileSync(
      configPath,
      [
        `data_dir: ${join(backends.dir, 'collector')}`,
        'log_level: warn',
        'collector:',
        `  port: ${port}`,
        // Only to measure the loss without the log for RESULTS.md (the test then fails).
        ...(process.env['KILL_TEST_DURABILITY'] === 'off' ? ['  durability:\n    enabled: false'] : []),
        '  route:',
        '    wait: 3s',
        'clickhouse:',
        `  url: ${backends.clickhouseUrl}`,
        `  password: ${backends.clickhousePassword}`,
        // Rows wait in memory up to 5 s: a kill always finds a buffer full of answered calls.
        '  writer:\n    flush_interval: 5s',

        `redis:\n  url: ${backends.redisUrl}`,
        'ops:\n  port: 0',
      ].join('\n'),
    );
    const url = `http://127.0.0.1:${port}`;
    const first = startCollector(configPath);
    await eventually(async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 30_000);

    const onSpan = new Set<string>();
    const late = new Set<string>();
    const lateRouted = new Set<string>();
    let sending = true;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const senders = Array.from({ length: 8 }, async () => {
      while (sending) {
        // Route on the LLM span itself.
        const a = otlpJsonRequest([{}, {}, {}, {}, {}, {}]);
        if ((await postTraces(url, reshape(a.body, 3, '/api/on-span'))) === 200)
          for (const id of a.spanIds) onSpan.add(id);
        // Route from the SERVER parent, exported 150 ms later in its own request.
        const b = otlpJsonRequest([{ route: '/api/late' }, { route: '/api/late' }, { route: '/api/late' }]);
        if ((await postTraces(url, reshape(b.body, 3))) !== 200) continue;
        for (const id of b.spanIds) late.add(id);
        await sleep(150);
        if ((await postTraces(url, reshape(b.body, 2))) === 200)
          for (const id of b.spanIds) lateRouted.add(id);
      }
    });
    const t0 = Date.now();
    await sleep(4000);
    first.child.kill('SIGKILL');
    await first.exited;
    const loadSeconds = (Date.now() - t0) / 1000;
    sending = false;
    await Promise.all(senders);

    const client = createClient({ url: backends.clickhouseUrl, password: backends.clickhousePassword });
    const rows = async () =>
      (
        await client.query({
          query: 'SELECT span_id, route, route_source FROM assay.llm_calls',
          format: 'JSONEachRow',
        })
      ).json<{ span_id: string; route: string; route_source: string }>();
    const answered = onSpan.size + late.size;
    const storedAtKill = new Set((await rows()).map((r) => r.span_id));
    const missingAtKill = [...onSpan, ...late].filter((id) => !storedAtKill.has(id)).length;

    const second = startCollector(configPath);
    await eventually(async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 30_000);
    const everyAnswered = (all: Array<{ span_id: string }>) => {
      const ids = new Set(all.map((r) => r.span_id));
      return [...onSpan, ...late].every((id) => ids.has(id));
    };
    // Replayed calls still wait out their route wait (3 s) and the writer's flush interval (5 s).
    await eventually(async () => (everyAnswered(await rows()) ? true : undefined), 20_000).catch(() => false);
    const after = await rows();
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await client.close();

    const byId = new Map(after.map((r) => [r.span_id, r]));
    const lost = (ids: Set<string>) => [...ids].filter((id) => !byId.has(id)).length;
    console.info(
      `kill test: ${answered} calls answered 200 in ${loadSeconds.toFixed(1)} s (${(answered / loadSeconds).toFixed(0)}/s); ` +
        `${missingAtKill} of them not in ClickHouse at the kill; after the restart ${lost(onSpan)} of ${onSpan.size} ` +
        `with the route on the span and ${lost(late)} of ${late.size} with it on a later SERVER span missing, ` +
        `${after.length - byId.size} duplicates`,
    );
    expect(lost(onSpan) + lost(late)).toBe(0);
    expect(after.length).toBe(byId.size); // nothing counted twice
    for (const id of onSpan) expect(byId.get(id)?.route).toBe('/api/on-span');
    for (const id of lateRouted)
      expect(byId.get(id)).toMatchObject({ route: '/api/late', route_source: 'server_span' });
    expect(missingAtKill).toBeGreaterThan(0); // the kill did find answered calls only in memory
  });
});
