import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../cli/config.ts';
import { startCollector, type CollectorRole } from '../cli/roles/collector.ts';
import { openRuntime, type Runtime } from '../cli/runtime.ts';
import { silentLogger } from '../core/logger.ts';
import { startEmbeddedClickhouse, type EmbeddedClickhouse } from '../storage/embedded/index.ts';
import { eventually } from './helpers/assay.ts';
import { otlpJsonRequest, postTraces } from './helpers/otlp-json.ts';
import { startTestRedis } from './helpers/redis.ts';

// Three collectors on one ClickHouse and one Redis, fed the way the OpenTelemetry Collector's
// loadbalancing exporter feeds them (deploy/otel/loadbalancer.yaml): every request of a trace to
// the collector its trace id picks. Each LLM span arrives in one request and its SERVER span (the
// route) in a later one, so the per-trace join happens in memory. With trace affinity every call
// gets its SERVER span's route, as with one collector; spread round-robin, calls whose SERVER span
// went to another collector do not — why Assay's collectors sit behind a trace-aware balancer.

const N = 30;
const dir = mkdtempSync(join(tmpdir(), 'assay-affinity-'));
let ch: EmbeddedClickhouse;
let redis: Awaited<ReturnType<typeof startTestRedis>>;
const runtimes: Runtime[] = [];
const collectors: CollectorRole[] = [];

beforeAll(async () => {
  [ch, redis] = await Promise.all([
    startEmbeddedClickhouse({ dataDir: join(dir, 'ch'), host: '127.0.0.1', port: 0, logger: silentLogger }),
    startTestRedis(),
  ]);
  for (let i = 0; i < 3; i++) {
    const config = parseConfig({
      data_dir: join(dir, `collector-${i}`),
      log_level: 'silent',
      collector: { port: 0, route: { wait: '2s' } },
      clickhouse: { url: ch.url, password: ch.admin.password, writer: { flush_interval: '100ms' } },
      redis: { url: redis.url, prefix: 'affinity' },
    });
    const rt = await openRuntime(config, silentLogger, { needRedis: true });
    runtimes.push(rt);
    collectors.push(await startCollector(rt));
  }
}, 120_000);

afterAll(async () => {
  for (const c of collectors) await c.shutdown();
  for (const rt of runtimes) await rt.shutdown();
  await ch?.shutdown();
  await redis?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

interface Span {
  traceId: string;
  kind: number;
}
type Body = {
  resourceSpans: Array<{ resource: unknown; scopeSpans: Array<{ scope: unknown; spans: Span[] }> }>;
};

/** One trace per call, as two requests: the LLM span first, its SERVER parent right after it. */
function traces(tag: string): Array<{ traceId: string; llm: string; server: string }> {
  return Array.from({ length: N }, (_, i) => {
    const body = JSON.parse(otlpJsonRequest([{ route: `/api/${tag}/${i % 4}`, service: tag }]).body) as Body;
    const only = (kind: number): string =>
      JSON.stringify({
        resourceSpans: body.resourceSpans.map((rs) => ({
          ...rs,
          scopeSpans: rs.scopeSpans.map((ss) => ({ ...ss, spans: ss.spans.filter((s) => s.kind === kind) })),
        })),
      });
    const traceId = body.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.traceId ?? '';
    return { traceId, llm: only(3), server: only(2) };
  });
}

/** The balancer's choice: a stable function of the trace id (the exporter hashes it onto a ring). */
const byTrace = (traceId: string): number => parseInt(traceId.slice(0, 8), 16) % collectors.length;

async function rowsOf(service: string): Promise<Array<{ route: string; route_source: string }>> {
  const rt = runtimes[0] as Runtime;
  const rs = await rt.clickhouse.query({
    query: 'SELECT route, route_source FROM assay.llm_calls WHERE service = {s:String}',
    query_params: { s: service },
    format: 'JSONEachRow',
  });
  return rs.json();
}

describe('three collectors behind a balancer', () => {
  it('routed by trace id: every call gets its later SERVER span’s route, as with one collector', async () => {
    const ts = traces('affine');
    const used = new Set<number>();
    for (const t of ts) {
      const c = collectors[byTrace(t.traceId)] as CollectorRole;
      used.add(byTrace(t.traceId));
      expect(await postTraces(c.url, t.llm)).toBe(200);
      expect(await postTraces(c.url, t.server)).toBe(200);
    }
    expect(used.size).toBe(3);
    const rows = await eventually(async () => {
      const r = await rowsOf('affine');
      return r.length >= N ? r : undefined;
    }, 60_000);
    expect(rows).toHaveLength(N);
    expect(rows.filter((r) => r.route_source === 'server_span')).toHaveLength(N);
    expect(new Set(rows.map((r) => r.route))).toEqual(new Set([0, 1, 2, 3].map((i) => `/api/affine/${i}`)));
  });

  it('spread round-robin: calls whose SERVER span reached another collector lose their route', async () => {
    const ts = traces('spread');
    // A round-robin balancer sends a trace's second request to the next collector.
    for (const [i, t] of ts.entries()) {
      expect(await postTraces((collectors[i % 3] as CollectorRole).url, t.llm)).toBe(200);
      expect(await postTraces((collectors[(i + 1) % 3] as CollectorRole).url, t.server)).toBe(200);
    }
    const rows = await eventually(async () => {
      const r = await rowsOf('spread');
      return r.length >= N ? r : undefined;
    }, 60_000);
    expect(rows).toHaveLength(N);
    expect(rows.filter((r) => r.route_source === 'server_span')).toHaveLength(0);
  });
});
