import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig, withEnvOverrides, type AssayConfigInput } from '../config.ts';
import { freePort } from '../../core/free-port.ts';
import { createLogger } from '../../core/logger.ts';
import { openRuntime } from '../runtime.ts';
import { startAlerterRole } from '../roles/alerter.ts';
import { startCollector } from '../roles/collector.ts';
import { startWorker } from '../roles/worker.ts';
import { VirtualClock } from './clock.ts';
import { startFakeOpenAi } from './fake-provider.ts';
import { Progress, printAlert, printQueries } from './output.ts';
import { AGENT_TOOLS, AGENT_TURNS, ORDERS, REFUNDS, SEARCH, type Exchange } from './conversations.ts';
import { DemoService, startTraffic } from './services.ts';
import { startWebhookReceiver, type ReceivedAlert } from './webhook-receiver.ts';

export interface DemoOptions {
  /** Shorter phases (the test runs it this way). */
  fast: boolean;
  /** Keep the data directory (printed at the end) instead of deleting it. */
  keep?: boolean;
  configPath?: string;
}

const questions = (xs: readonly Exchange[]): string[] => xs.map((x) => x.question);
const EXCHANGES = new Map([...REFUNDS, ...ORDERS, ...SEARCH].map((x) => [x.question, x]));
const REFUND_QUESTIONS = new Set(questions(REFUNDS));
const AGENT = new Map(AGENT_TURNS.map((t) => [t.question, t]));

/** The last user message of a chat-completions request body. */
function lastQuestion(body: Record<string, unknown>): string {
  const messages = Array.isArray(body['messages'])
    ? (body['messages'] as Array<Record<string, unknown>>)
    : [];
  const user = messages.filter((m) => m['role'] === 'user').at(-1);
  return typeof user?.['content'] === 'string' ? user['content'] : '';
}

/**
 * `assay demo`: starts Assay on embedded defaults, runs simulated services through the OTel SDK
 * against local fake providers, builds a baseline in accelerated (virtual) time, makes provider
 * `acme` refuse on `/api/refunds` and its order agent send schema-invalid tool calls on
 * `/api/agent`, both while still answering 200, and prints the two pages on-call gets (one per
 * series) — then recovers and prints the resolves.
 */
export async function runDemo(opts: DemoOptions): Promise<void> {
  const out = process.stdout;
  const speed = 60; // one real second is one virtual minute
  const clock = new VirtualClock(Date.now() - 3 * 3600_000, speed);
  const dataDir = mkdtempSync(join(tmpdir(), 'assay-demo-'));
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const received: ReceivedAlert[] = [];
  const receiver = await startWebhookReceiver(secret, (a) => received.push(a));
  let incident = false;
  const acme = await startFakeOpenAi((body) => {
    const question = lastQuestion(body);
    const turn = AGENT.get(question);
    if (turn) return { content: '', tool_calls: [incident ? turn.broken : turn.call], model: 'acme-large-1' };
    const exchange = EXCHANGES.get(question);
    if (incident && REFUND_QUESTIONS.has(question) && exchange?.refusal)
      return { content: exchange.refusal, model: 'acme-large-2' };
    return { content: exchange?.answer ?? '', model: 'acme-large-1' };
  });
  const openaiFake = await startFakeOpenAi((body) => ({
    content: EXCHANGES.get(lastQuestion(body))?.answer ?? '',
  }));

  const base = opts.configPath ? loadConfig(opts.configPath) : undefined;
  const config = parseConfig(
    withEnvOverrides({
      ...(base as AssayConfigInput | undefined),
      data_dir: dataDir,
      log_level: 'warn',
      collector: { port: await freePort(), route: { wait: '1s' } },
      clickhouse: { embedded: { port: await freePort() }, writer: { flush_interval: '250ms' } },
      redis: { port: 0 },
      alerts: demoAlerts(receiver.url, secret),
    } satisfies AssayConfigInput),
  );
  const logger = createLogger(config.log_level);

  out.write(
    `\nAssay demo — data in ${dataDir}\nstarting the embedded ClickHouse, redis-server, collector, worker and alerter…\n`,
  );
  const rt = await openRuntime(config, logger, { needRedis: true, now: clock.now });
  const collector = await startCollector(rt);
  const worker = await startWorker(rt);
  const alerter = await startAlerterRole(rt);
  out.write(
    `collector on ${collector.url} · ClickHouse on ${rt.clickhouseUrl} · alerts go to ${receiver.url}\n\n`,
  );

  const services = [
    new DemoService(
      'support-api',
      collector.url,
      [
        {
          route: '/api/refunds',
          provider: 'acme',
          baseURL: acme.baseURL,
          model: 'acme-large',
          questions: questions(REFUNDS),
        },
        {
          route: '/api/orders',
          provider: 'acme',
          baseURL: acme.baseURL,
          model: 'acme-large',
          questions: questions(ORDERS),
        },
        {
          route: '/api/agent',
          provider: 'acme',
          baseURL: acme.baseURL,
          model: 'acme-large',
          questions: AGENT_TURNS.map((t) => t.question),
          agent: { name: 'order-agent', tools: AGENT_TOOLS },
        },
      ],
      clock,
    ),
    new DemoService(
      'shop-api',
      collector.url,
      [
        {
          route: '/api/search',
          provider: 'openai',
          baseURL: openaiFake.baseURL,
          model: 'gpt-4o-mini',
          questions: questions(SEARCH),
        },
      ],
      clock,
    ),
  ];
  const progress = new Progress(rt, clock, out);
  // 150 ms between rounds: four routes (one an agent) in one process with the embedded
  // ClickHouse; at 100 ms a loaded machine's worker fell behind and the pages came minutes late.
  const traffic = startTraffic(services, 150);

  const phase = opts.fast ? { baseline: 25_000, max: 45_000 } : { baseline: 35_000, max: 60_000 };
  try {
    progress.start('building a baseline (virtual time runs 60× faster)');
    await sleepUntil(() => false, phase.baseline);
    incident = true;
    const onset = Date.now();
    progress.phase(
      "INCIDENT: acme now refuses on /api/refunds, and order-agent's tool calls (on /api/agent) break their schemas — still HTTP 200",
    );
    const on = (route: string) => (a: ReceivedAlert) =>
      a.body.commonLabels['provider'] === 'acme' && a.body.commonLabels['route'] === route;
    const isIncident = on('/api/refunds');
    // The agent's series is named after it: `gen_ai.agent.name` is one of the route keys, ahead of
    // the HTTP route of the request that ran it.
    const isAgent = on('order-agent');
    const find = (status: string, which: (a: ReceivedAlert) => boolean) =>
      received.find((a) => a.body.status === status && which(a));
    const both = await sleepUntil(() => find('firing', isIncident) && find('firing', isAgent), phase.max);
    progress.pause();
    const firing = find('firing', isIncident);
    const agentFiring = find('firing', isAgent);
    if (!both || !firing || !agentFiring)
      throw new Error(
        `not every incident paged within the incident phase (refusals: ${firing ? 'paged' : 'no page'}, agent tool calls: ${agentFiring ? 'paged' : 'no page'})`,
      );
    printAlert(out, firing, (firing.receivedAt - onset) / 1000, speed);
    printAlert(out, agentFiring, (agentFiring.receivedAt - onset) / 1000, speed);
    printQueries(out, rt.clickhouseUrl, dataDir);
    incident = false;
    const recovered = Date.now();
    progress.phase('recovered: acme answers normally again; waiting for the resolves');
    await sleepUntil(() => find('resolved', isIncident) && find('resolved', isAgent), phase.max);
    progress.pause();
    const resolved = find('resolved', isIncident);
    const agentResolved = find('resolved', isAgent);
    if (!resolved || !agentResolved) throw new Error('the alerts did not resolve within the recovery phase');
    printAlert(out, resolved, (resolved.receivedAt - recovered) / 1000, speed);
    printAlert(out, agentResolved, (agentResolved.receivedAt - recovered) / 1000, speed);
    // Every other series (acme /api/orders, openai /api/search) stayed healthy: a page for one
    // of them would be a false alarm, and the demo says so rather than hiding it.
    const others = received.filter((a) => !isIncident(a) && !isAgent(a));
    const unsigned = received.filter((a) => !a.verified);
    out.write(
      `\nnotifications received: ${received.length} (${others.length} for other series, ${unsigned.length} unsigned)\n`,
    );
    for (const a of others)
      out.write(`  unexpected: ${a.body.status} ${JSON.stringify(a.body.commonLabels)}\n`);
    out.write(`demo finished in ${Math.round(clock.elapsedReal() / 1000)} s\n`);
  } finally {
    progress.stop();
    await traffic.stop();
    await Promise.all(services.map((s) => s.shutdown()));
    await alerter.shutdown();
    await worker.shutdown();
    await collector.shutdown();
    await rt.shutdown();
    await Promise.all([acme.close(), openaiFake.close(), receiver.close()]);
    if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The demo's alert rule: semantic failure rate by provider and route, 5m and 10m windows vs the 30m before them. */
export function demoAlerts(url: string, secret: string): NonNullable<AssayConfigInput['alerts']> {
  return {
    interval: '1s',
    channels: [{ name: 'on-call', type: 'webhook', url, secret }],
    rules: [
      {
        name: 'semantic-failure-regression',
        kind: 'regression',
        metric: 'semantic_failure_rate',
        by: ['provider', 'route'],
        // A 5-minute window pages fast; the 10-minute one keeps the baseline clear of the
        // incident's first minutes when a loaded machine makes the page late (the agent's small
        // series paged after 7–10 virtual minutes, its baseline then holding failed calls).
        window: '10m',
        short_window: '5m',
        baseline: '30m',
        min_samples: 20,
        for: 2,
        resolve_after: 3,
        severity: 'critical',
        channels: ['on-call'],
      },
    ],
  };
}

async function sleepUntil<T>(check: () => T | undefined | false, maxMs: number): Promise<T | undefined> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const v = check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}
