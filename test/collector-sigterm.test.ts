// long-running: a collector process under load, drained on SIGTERM (about 35 s).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../core/free-port.ts';
import { eventually } from './helpers/assay.ts';
import { startBackends, type TestBackends } from './helpers/backends.ts';
import { otlpJsonRequest, postTraces } from './helpers/otlp-json.ts';

// `assay collector` as a real process receives SIGTERM while clients are sending: it stops
// accepting, drains, flushes and exits 0, and every call it answered 200 for is in ClickHouse.

let backends: TestBackends;

beforeAll(async () => {
  backends = await startBackends('assay-sigterm-');
});

afterAll(async () => {
  await backends?.shutdown();
});

describe('SIGTERM while clients are sending', () => {
  it('drains, flushes and exits; nothing it accepted is lost', async () => {
    const port = await freePort();
    const configPath = join(backends.dir, 'assay.yaml');
    // A long route wait: calls are still waiting for their route when SIGTERM arrives, so the
    // drain has to finish them, not just flush the writer.
    writeFileSync(
      configPath,
      [
        `data_dir: ${join(backends.dir, 'collector')}`,
        'log_level: warn',
        'collector:',
        `  port: ${port}`,
        '  route:',
        '    wait: 10s',
        'clickhouse:',
        `  url: ${backends.clickhouseUrl}`,
        `  password: ${backends.clickhousePassword}`,
        '  writer:',
        '    flush_interval: 5s',
        `redis:\n  url: ${backends.redisUrl}`,
        'ops:\n  port: 0',
      ].join('\n'),
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'cli/assay.ts', 'collector', '--config', configPath],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 30_000);

    const accepted = new Set<string>();
    let sending = true;
    const senders = Array.from({ length: 4 }, async () => {
      while (sending) {
        // Only the LLM span, no server span: the call has to wait for its route.
        const { body, spanIds } = otlpJsonRequest([{ route: '/api/drain' }, { route: '/api/drain' }]);
        const llmOnly = JSON.parse(body) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ kind: number }> }> }>;
        };
        for (const rs of llmOnly.resourceSpans)
          for (const ss of rs.scopeSpans) ss.spans = ss.spans.filter((s) => s.kind === 3);
        const status = await postTraces(url, JSON.stringify(llmOnly));
        if (status === 200) for (const id of spanIds) accepted.add(id);
        else if (status === 0) return;
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    sending = false;
    await Promise.all(senders);
    expect(accepted.size).toBeGreaterThan(0);

    const client = createClient({ url: backends.clickhouseUrl, password: backends.clickhousePassword });
    const rs = await client.query({
      query: `SELECT span_id, route_source FROM assay.llm_calls`,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ span_id: string; route_source: string }>();
    await client.close();
    const stored = new Set(rows.map((r) => r.span_id));
    expect(rows.length).toBe(stored.size);
    for (const id of accepted) expect(stored.has(id)).toBe(true);
  });
});
