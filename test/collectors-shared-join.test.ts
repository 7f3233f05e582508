import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../cli/config.ts';
import { startCollector as startInProcess, type CollectorRole } from '../cli/roles/collector.ts';
import { openRuntime, type Runtime } from '../cli/runtime.ts';
import { freePort } from '../core/free-port.ts';
import { silentLogger } from '../core/logger.ts';
import { eventually, startRoleProcess, writeRoleConfig } from './helpers/assay.ts';
import { startBackends, type TestBackends } from './helpers/backends.ts';

// Three `assay collector` processes behind a plain round-robin balancer, with
// `collector.join_store.type: redis` on one real redis-server: one trace's LLM span reaches
// collector 1, its log records (the call's content, OTel GenAI v1.28–v1.36) collector 3, and its
// ancestors (a plain span, a span naming the conversation, the SERVER span with the route)
// collector 2. The stored rows equal those one collector stores for the same data. Three
// collectors with the default memory store (in this process: cheaper to start on a loaded
// machine), fed the same way, store different rows.

const N = 6;
const PREFIX = 'sharedjoin';
const children: ChildProcess[] = [];
let backends: TestBackends;
let redis: Redis;
let shared: string[];
let memory: string[];
const runtimes: Runtime[] = [];
const inProcess: CollectorRole[] = [];

/** An `assay collector` process with the shared join store. */
async function startCollector(name: string): Promise<string> {
  let port = 0;
  await startRoleProcess(
    'collector',
    async () => {
      port = await freePort();
      return writeRoleConfig(backends, name, {
        collector: { port, route: { wait: '2s' }, join_store: { type: 'redis' } },
        clickhouse: { writer: { flush_interval: '100ms' } },
        redis: { prefix: PREFIX },
      });
    },
    children,
  );
  return `http://127.0.0.1:${port}`;
}

/** A collector with the memory store, as `assay collector` runs it, in this process. */
async function startMemoryCollector(name: string): Promise<string> {
  const config = parseConfig({
    data_dir: join(backends.dir, name),
    log_level: 'silent',
    collector: { port: 0, route: { wait: '2s' } },
    clickhouse: {
      url: backends.clickhouseUrl,
      password: backends.clickhousePassword,
      writer: { flush_interval: '100ms' },
    },
    redis: { url: backends.redisUrl, prefix: `${PREFIX}-memory` },
  });
  const rt = await openRuntime(config, silentLogger, { needRedis: true });
  runtimes.push(rt);
  const c = await startInProcess(rt);
  inProcess.push(c);
  return c.url;
}

beforeAll(async () => {
  backends = await startBackends('assay-shared-join-');
  redis = new Redis(backends.redisUrl);
  [shared, memory] = await Promise.all([
    Promise.all(['r1', 'r2', 'r3'].map((n) => startCollector(n))),
    (async () => [
      await startMemoryCollector('m1'),
      await startMemoryCollector('m2'),
      await startMemoryCollector('m3'),
    ])(),
  ]);
}, 90_000);

afterAll(async () => {
  for (const c of inProcess) await c.shutdown();
  for (const rt of runtimes) await rt.shutdown();
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(
    children.map((c) =>
      c.exitCode === null ? new Promise((r) => c.once('exit', r)) : Promise.resolve(undefined),
    ),
  );
  redis?.disconnect();
  await backends?.shutdown();
});

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const ns = (ms: number): string => `${BigInt(ms) * 1_000_000n}`;
const resource = (service: string) => ({ attributes: [str('service.name', service)] });
const T0 = Date.now() - 60_000;

interface Trace {
  traceId: string;
  /** The LLM span (content in log records: `gen_ai.system`, no message attributes). */
  call: string;
  /** Its log records: the question and the answer. */
  logs: string;
  /** Its ancestors: a plain span, the span naming the conversation, the SERVER root with the route. */
  ancestors: string;
}

/** Trace `i` of `service`: the same content for the same `i`, fresh ids. */
function trace(service: string, i: number): Trace {
  const traceId = randomBytes(16).toString('hex');
  const id = (): string => randomBytes(8).toString('hex');
  const [server, agent, work, llm] = [id(), id(), id(), id()];
  const t = T0 + i * 1000;
  const span = (
    spanId: string,
    parent: string,
    kind: number,
    name: string,
    attrs: object[],
    off: number,
  ) => ({
    traceId,
    spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name,
    kind,
    startTimeUnixNano: ns(t + off),
    endTimeUnixNano: ns(t + 400 - off),
    attributes: attrs,
    status: {},
  });
  const spans = (list: object[]) =>
    JSON.stringify({
      resourceSpans: [{ resource: resource(service), scopeSpans: [{ scope: { name: 't' }, spans: list }] }],
    });
  const record = (eventName: string, body: object, off: number) => ({
    timeUnixNano: ns(t + off),
    traceId,
    spanId: llm,
    eventName,
    body: { kvlistValue: { values: Object.entries(body).map(([k, v]) => ({ key: k, value: v as object })) } },
  });
  return {
    traceId,
    call: spans([
      span(
        llm,
        work,
        3,
        'chat gpt-4o-mini',
        [
          str('gen_ai.operation.name', 'chat'),
          str('gen_ai.system', 'openai'),
          str('gen_ai.request.model', 'gpt-4o-mini'),
          str('gen_ai.response.model', 'gpt-4o-mini'),
        ],
        30,
      ),
    ]),
    logs: JSON.stringify({
      resourceLogs: [
        {
          resource: resource(service),
          scopeLogs: [
            {
              scope: { name: 't' },
              logRecords: [
                record('gen_ai.user.message', { content: { stringValue: `question ${i}` } }, 40),
                record(
                  'gen_ai.choice',
                  {
                    index: { intValue: '0' },
                    finish_reason: { stringValue: 'stop' },
                    message: {
                      kvlistValue: { values: [{ key: 'content', value: { stringValue: `answer ${i}` } }] },
                    },
                  },
                  300,
                ),
              ],
            },
          ],
        },
      ],
    }),
    ancestors: spans([
      span(work, agent, 1, 'work', [], 20),
      span(agent, server, 1, 'support-agent', [str('gen_ai.conversation.id', `conversation-${i}`)], 10),
      span(server, '', 2, `POST /api/rr/${i % 3}`, [str('http.route', `/api/rr/${i % 3}`)], 0),
    ]),
  };
}

async function post(url: string, signal: 'traces' | 'logs', body: string): Promise<number> {
  const res = await fetch(`${url}/v1/${signal}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Sends each trace as the exporters do (the call first, its ancestors last), to `to(part)`. */
async function send(ts: Trace[], to: (part: 0 | 1 | 2) => string, waitForJoin: boolean): Promise<void> {
  for (const t of ts) {
    expect(await post(to(0), 'traces', t.call)).toBe(200);
    // The call has reached collector 1 and is waiting in the shared store before the rest comes
    // (an exporter sends the ancestors of a span after it, in a later batch).
    if (waitForJoin)
      await eventually(async () =>
        (await redis.exists(`${PREFIX}:join:w:${t.traceId}`)) ? true : undefined,
      );
    expect(await post(to(2), 'logs', t.logs)).toBe(200);
    expect(await post(to(1), 'traces', t.ancestors)).toBe(200);
  }
}

const COLUMNS = [
  'service',
  'provider',
  'model',
  'route',
  'route_source',
  'operation',
  'status',
  'finish_reason',
  'input_tokens',
  'output_tokens',
  'duration_ms',
  'prompt',
  'response',
  'convention',
  'conversation_id',
  'user_id',
  'agent_name',
  'tokens_estimated',
  'toUnixTimestamp64Milli(timestamp) - {t0:Int64} AS t',
];

async function rowsOf(service: string): Promise<Array<Record<string, unknown>>> {
  const client = createClient({ url: backends.clickhouseUrl, password: backends.clickhousePassword });
  try {
    return await eventually(async () => {
      const rs = await client.query({
        query: `SELECT ${COLUMNS.join(', ')} FROM assay.llm_calls WHERE service = {s:String} ORDER BY t`,
        query_params: { s: service, t0: T0 },
        format: 'JSONEachRow',
      });
      const rows = await rs.json<Record<string, unknown>>();
      return rows.length >= N ? rows.map((r) => ({ ...r, service: 'svc' })) : undefined;
    }, 30_000);
  } finally {
    await client.close();
  }
}

describe('three collectors behind a round-robin balancer', () => {
  it('with the shared join store, store the rows one collector stores; with memory alone, not', async () => {
    const traces = (service: string) => Array.from({ length: N }, (_, i) => trace(service, i));
    // The reference: every request of every trace to one collector.
    await send(traces('one'), () => memory[0] as string, false);
    // Round-robin: the call to collector 1, its ancestors to collector 2, its log records to 3.
    await send(traces('shared'), (part) => shared[part] as string, true);
    await send(traces('memory'), (part) => memory[part] as string, false);

    const one = await rowsOf('one');
    expect(one.map((r) => [r['route'], r['route_source'], r['conversation_id'], r['response']])).toEqual(
      Array.from({ length: N }, (_, i) => [
        `/api/rr/${i % 3}`,
        'server_span',
        `conversation-${i}`,
        `answer ${i}`,
      ]),
    );
    expect(await rowsOf('shared')).toEqual(one);
    const spread = await rowsOf('memory');
    expect(spread).toHaveLength(N);
    expect(spread.filter((r) => r['route_source'] === 'server_span')).toHaveLength(0);
    expect(spread.filter((r) => r['response'] !== '' || r['conversation_id'] !== '')).toHaveLength(0);
  });
});
