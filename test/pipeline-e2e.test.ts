// long-running: every role end to end, a healthy baseline then an incident (about 50 s).
// End to end through every role, in one process as `assay start` runs them: services traced with
// the real OTel SDK and OTLP/HTTP exporter call (fake) providers through the real openai SDK;
// the collector writes calls to the embedded ClickHouse and queues sampled ones in BullMQ on a
// real redis-server; the worker scores them with the cheap checks; the alerter pages a signed
// webhook when one provider starts refusing on one route, keeps quiet across its own restart,
// and resolves after recovery. Time runs on the demo's virtual clock (60×) so a 30-minute
// baseline builds up in 30 seconds; the spans carry virtual timestamps and the alerter reads
// the same clock.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../cli/config.ts';
import { freePort } from '../core/free-port.ts';
import { silentLogger } from '../core/logger.ts';
import { CHECKS } from '../evaluators/checks/index.ts';
import { VirtualClock } from '../cli/demo/clock.ts';
import { startFakeOpenAi, type FakeOpenAi } from '../cli/demo/fake-provider.ts';
import { DemoService, startTraffic, type Traffic } from '../cli/demo/services.ts';
import { demoAlerts } from '../cli/demo/index.ts';
import { openRuntime, type Runtime } from '../cli/runtime.ts';
import { startAlerterRole } from '../cli/roles/alerter.ts';
import { startCollector, type CollectorRole } from '../cli/roles/collector.ts';
import type { Role } from '../cli/roles/role.ts';
import { startWorker } from '../cli/roles/worker.ts';
import { registry } from '../core/metrics.ts';
import { eventually } from './helpers/assay.ts';
import {
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from './helpers/webhook-receiver.ts';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const REFUSAL = "I'm sorry, but I can't help with that request.";
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
// Ten different questions, so that each of the first ten judgements is a distinct input (the
// judge cache would otherwise answer repeats without a request, at no cost).
const SEARCHES = Array.from({ length: 10 }, (_, i) => `Find me a waterproof jacket in size ${36 + 2 * i}.`);

describe('spans → collector → queue → checks → alerter → signed webhook', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'assay-e2e-'));
  const clock = new VirtualClock(Date.now() - 3 * 3600_000, 60);
  let receiver: WebhookReceiver;
  let acme: FakeOpenAi;
  let other: FakeOpenAi;
  let judge: FakeOpenAi | undefined;
  let incident = false;
  let rt: Runtime;
  let collector: CollectorRole;
  let worker: Role;
  let alerter: Role;
  let services: DemoService[] = [];
  let traffic: Traffic | undefined;

  /** Ticks the alerters of this process have made (leader and standby). */
  const ticks = async (): Promise<number> =>
    ((await registry.getSingleMetric('assay_alert_ticks_total')?.get())?.values ?? []).reduce(
      (sum, v) => sum + v.value,
      0,
    );

  const q = async <T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> =>
    (
      await rt.clickhouse.query({
        query: sql,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      })
    ).json<T>();
  const isIncident = (w: ReceivedWebhook) =>
    w.body.commonLabels['provider'] === 'acme' && w.body.commonLabels['route'] === '/api/refunds';

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    acme = await startFakeOpenAi((body) =>
      incident && JSON.stringify(body['messages']).includes('refund')
        ? { content: REFUSAL, model: 'acme-large-2' }
        : {
            content: 'Your refund was issued and reaches your card within 5 business days.',
            model: 'acme-large-1',
          },
    );
    other = await startFakeOpenAi(() => ({
      content: 'Here are three jackets under 100 euros, cheapest first.',
    }));
    // The LLM judge is an OpenAI-compatible endpoint outside Assay: faked like the providers.
    judge = await startFakeOpenAi(() => ({
      content: JSON.stringify({ score: 0.9, verdict: 'pass', reasoning: 'It answers the question asked.' }),
      prompt_tokens: 300,
      completion_tokens: 20,
    }));
    process.env['ASSAY_E2E_JUDGE_KEY'] = 'test-judge-key';
    const config = parseConfig({
      data_dir: dataDir,
      collector: { port: await freePort(), route: { wait: '1s' } },
      clickhouse: { embedded: { port: await freePort() }, writer: { flush_interval: '250ms' } },
      redis: { port: 0 },
      // Judges only on /api/search (every sampled call there), nowhere else.
      sampling: { judge_rate: 0 },
      judges: {
        endpoints: [
          {
            base_url: judge.baseURL,
            model: 'judge-mini',
            api_key_env: 'ASSAY_E2E_JUDGE_KEY',
            price: { input_per_mtok: 0.15, output_per_mtok: 0.6 },
          },
        ],
        rules: [{ match: { route: '/api/search' }, rubrics: ['relevance'], probability: 1 }],
        // The judge's requests are counted below: no golden-set calibration runs beside them.
        calibration: { enabled: false },
      },
      // The demo's rule: semantic failure rate by provider and route, 5m window vs 30m baseline.
      alerts: demoAlerts(receiver.url, SECRET),
    });
    rt = await openRuntime(config, silentLogger, { needRedis: true, now: clock.now });
    collector = await startCollector(rt);
    worker = await startWorker(rt);
    alerter = await startAlerterRole(rt);
    const route = (r: string, provider: string, baseURL: string, model: string, questions: string[]) => ({
      route: r,
      provider,
      baseURL,
      model,
      questions,
    });
    services = [
      new DemoService(
        'support-api',
        collector.url,
        [
          route('/api/refunds', 'acme', acme.baseURL, 'acme-large', ['Where is my refund for order 1042?']),
          route('/api/orders', 'acme', acme.baseURL, 'acme-large', ['Where is my order 2210?']),
        ],
        clock,
      ),
      new DemoService(
        'shop-api',
        collector.url,
        [route('/api/search', 'openai', other.baseURL, 'gpt-4o-mini', SEARCHES)],
        clock,
      ),
    ];
  });

  afterAll(async () => {
    await traffic?.stop();
    await Promise.all(services.map((s) => s.shutdown()));
    await alerter?.shutdown();
    await worker?.shutdown();
    await collector?.shutdown();
    await rt?.shutdown();
    await Promise.all([acme?.close(), other?.close(), judge?.close(), receiver?.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores every call and scores each sampled one exactly once per check', async () => {
    for (let i = 0; i < 10; i++) await Promise.all(services.map((s) => s.tick()));
    await Promise.all(services.map((s) => s.flush()));

    const defaults = CHECKS.filter((c) => !c.requiresParams).map((c) => c.id);
    const calls = await eventually(async () => {
      const rows = await q<{ route: string; n: number; sampled: number }>(
        `SELECT route, count() AS n, sum(sampled) AS sampled FROM assay.llm_calls GROUP BY route ORDER BY route`,
      );
      return rows.reduce((s, r) => s + r.n, 0) === 30 ? rows : undefined;
    }, 30_000);
    expect(calls).toEqual([
      { route: '/api/orders', n: 10, sampled: 10 },
      { route: '/api/refunds', n: 10, sampled: 10 },
      { route: '/api/search', n: 10, sampled: 10 },
    ]);

    // Every sampled call gets its verdict once all of its checks have run.
    await eventually(async () => {
      const [v] = await q<{ n: number }>(`SELECT count() AS n FROM assay.call_verdicts`);
      return v && v.n >= 30 ? v : undefined;
    }, 30_000);
    const perEvaluator = await q<{ evaluator: string; rows: number; calls: number }>(
      `SELECT evaluator, count() AS rows, uniqExact(trace_id, span_id) AS calls
       FROM assay.llm_scores GROUP BY evaluator ORDER BY evaluator`,
    );
    // The default plan is every check that needs no per-route parameter, each writing one row
    // per call it applies to. json_valid (the answers are prose), length_bounds (no history
    // for the route yet), tool_call_valid and tool_loop (no tools offered or called) do not
    // apply; language_match applies only where question and answer are long enough to identify
    // their language (the /api/search calls at least).
    const notApplicable = ['json_valid', 'length_bounds', 'tool_call_valid', 'tool_loop'];
    const checks = perEvaluator.filter((r) => !r.evaluator.startsWith('judge_'));
    expect(checks.map((r) => r.evaluator)).toEqual(
      defaults.filter((id) => !notApplicable.includes(id)).sort(),
    );
    for (const r of checks) {
      expect(r.rows, r.evaluator).toBe(r.calls);
      if (r.evaluator === 'language_match') expect(r.calls).toBeGreaterThanOrEqual(10);
      else expect(r.calls, r.evaluator).toBe(30);
    }

    // The judge cascade: only the calls the sampler marked (all of /api/search, nothing else),
    // once each, with the judge's tokens and cost on the score row.
    const judged = await eventually(async () => {
      const rows = await q<{ route: string; n: number; judge_model: string; score: number; cost: number }>(
        `SELECT route, count() AS n, any(judge_model) AS judge_model, round(avg(score), 6) AS score,
                round(sum(cost_usd), 6) AS cost
         FROM assay.llm_scores WHERE kind = 'judge' AND evaluator = 'judge_relevance' GROUP BY route`,
      );
      return rows.length === 1 && rows[0]!.n === 10 ? rows : undefined;
    }, 30_000);
    expect(judged).toEqual([
      {
        route: '/api/search',
        n: 10,
        judge_model: 'judge-mini',
        score: 0.9,
        cost: round6((10 * (300 * 0.15 + 20 * 0.6)) / 1e6),
      },
    ]);

    // The judge saw each call's own question, parsed back out of the stored prompt.
    const asked = judge!.requests.map((r) => JSON.stringify(r.body['messages']));
    expect(asked).toHaveLength(10);
    for (const question of SEARCHES)
      expect(asked.filter((m) => m.includes(`<question>\\n${question}`))).toHaveLength(1);

    const verdicts = await q<{ n: number; failed: number; weight: number }>(
      `SELECT count() AS n, sum(failed) AS failed, sum(sample_weight) AS weight FROM assay.call_verdicts`,
    );
    expect(verdicts).toEqual([{ n: 30, failed: 0, weight: 30 }]);
  });

  it('pages once for the refusing route, not again after an alerter restart, then resolves', async () => {
    traffic = startTraffic(services);
    // A healthy baseline: wait (on events, not a fixed time) until the refusing route has 25
    // virtual minutes of scored calls and the alerter has evaluated them.
    const since = rt.now();
    await eventually(async () => {
      const [row] = await q<{ n: number }>(
        `SELECT count() AS n FROM assay.call_verdicts WHERE provider = 'acme' AND route = '/api/refunds'
         AND timestamp >= fromUnixTimestamp64Milli({since:Int64})`,
        { since },
      );
      return rt.now() - since >= 25 * 60_000 && Number(row?.n) >= 40 ? true : undefined;
    }, 90_000);
    const leaderTicks = await ticks();
    await eventually(async () => ((await ticks()) >= leaderTicks + 2 ? true : undefined), 30_000);
    expect(receiver.received).toEqual([]);

    incident = true;
    const firing = await eventually(
      async () => receiver.received.find((w) => isIncident(w) && w.body.status === 'firing'),
      45_000,
    );
    const alert = firing.body.alerts[0]!;
    expect(firing.verified).toBe(true);
    expect(alert.labels).toEqual({
      alertname: 'semantic-failure-regression',
      provider: 'acme',
      route: '/api/refunds',
      metric: 'semantic_failure_rate',
      severity: 'critical',
    });
    const summary =
      /^semantic failure rate on acme \/api\/refunds rose from (\d+\.\d)% to (\d+\.\d)% \(n=\d+, p<0\.001\)$/.exec(
        alert.annotations['summary'] ?? '',
      );
    expect(summary, alert.annotations['summary']).not.toBeNull();
    // The healthy baseline is 0.0 % on a quiet machine. Five virtual minutes are five seconds
    // here: when a loaded machine scores the first refusals later than that, they count in the
    // baseline window too, so the test asserts the rise, not the exact baseline.
    const [from, to] = [Number(summary?.[1]), Number(summary?.[2])];
    expect(from).toBeLessThan(to / 2);
    expect(alert.annotations['likely_cause']).toContain('refusal failed on');
    const examples = alert.annotations['example_trace_ids']!.split(',');
    expect(examples).toHaveLength(3);
    const answers = await q<{ response: string }>(
      `SELECT DISTINCT response FROM assay.llm_calls WHERE trace_id IN (${examples.map((t) => `'${t}'`).join(',')})`,
    );
    expect(answers).toEqual([{ response: REFUSAL }]);

    // Restart the alerter mid-incident: the new one resumes from the persisted state. Three of
    // its ticks (counted, not waited out) send no second page.
    await alerter.shutdown();
    const before = await ticks();
    alerter = await startAlerterRole(rt);
    await eventually(async () => ((await ticks()) >= before + 3 ? true : undefined), 30_000);
    expect(receiver.received.filter((w) => w.body.status === 'firing')).toHaveLength(1);

    incident = false;
    const resolved = await eventually(
      async () => receiver.received.find((w) => isIncident(w) && w.body.status === 'resolved'),
      45_000,
    );
    expect(resolved.verified).toBe(true);
    expect(resolved.body.alerts[0]!.fingerprint).toBe(alert.fingerprint);
    expect(resolved.body.alerts[0]!.labels).toEqual(alert.labels);

    // Nothing else paged: the healthy routes stayed quiet, and there was one firing, one resolve.
    expect(receiver.received.map((w) => [w.body.status, isIncident(w)])).toEqual([
      ['firing', true],
      ['resolved', true],
    ]);
    // The history is written by its own batched recorder: the resolve row may land just after
    // the webhook did.
    const states = await eventually(async () => {
      const rows = await q<{ state: string }>(
        `SELECT state FROM assay.alerts WHERE provider = 'acme' AND route = '/api/refunds' ORDER BY timestamp`,
      );
      return rows.length >= 3 ? rows : undefined;
    }, 15_000);
    expect(states.map((s) => s.state)).toEqual(['pending', 'firing', 'resolved']);
  });
});
