import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlerter, type Alerter } from '../alerts/alerter.ts';
import { startWorker } from '../cli/roles/worker.ts';
import type { Role } from '../cli/roles/role.ts';
import { createRedactor } from '../collector/normalise/redaction.ts';
import { silentLogger } from '../core/logger.ts';
import {
  createCalibrationScheduler,
  judgesConfigSchema,
  loadGoldenSet,
  type GoldenSet,
} from '../evaluators/judges/index.ts';
import type { CalibrationTarget } from '../evaluators/judges/calibration/types.ts';
import { startTestAssay, type TestAssay } from './helpers/assay.ts';
import { eventually } from './helpers/eventually.ts';
import { startFakeOpenAi, type FakeOpenAi } from './helpers/fake-openai.ts';
import { startTestRedis } from './helpers/redis.ts';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.ts';

// Judges that are checked, end to end: the worker role judges the shipped confirm_refusal golden
// set on a judge endpoint (the fake OpenAI-compatible server) at start and then every second;
// the judge answers right, then drifts (every verdict flipped), then recovers. The rows land in
// judge_calibration with their kappa, and the alerter's default judge_drift rule pages the signed
// webhook once for the drift and resolves it after the recovery.

const SECRET = `whsec_${Buffer.from('judge-calibration-test-secret-32').toString('base64')}`;
const PREFIX = 'judge-calibration-test';
const MODEL = 'judge-model-a';
const GOLDEN = join(import.meta.dirname, '..', 'evaluators', 'judges', 'golden', 'confirm_refusal.jsonl');

let assay: TestAssay;
let redisProc: Awaited<ReturnType<typeof startTestRedis>>;
let redis: Redis;
let receiver: WebhookReceiver;
let fake: FakeOpenAi;
let worker: Role | undefined;
let golden: GoldenSet;
/** Expected verdict by the answer text as the judge sees it (redacted like everything sent). */
let byAnswer: Map<string, 'pass' | 'fail'>;
/** The judge's mood: answers as the golden set expects, or every verdict the other way round. */
let drifting = false;

/** The golden item a judge request is about, by the answer between its <answer> tags. */
function expectedOf(body: Record<string, unknown>): string {
  const messages = body['messages'] as Array<{ role: string; content: string }>;
  const user = messages.find((m) => m.role === 'user')?.content ?? '';
  const answer = /<answer>\n([\s\S]*?)\n<\/answer>/.exec(user)?.[1] ?? '';
  return byAnswer.get(answer) ?? 'unknown';
}

beforeAll(async () => {
  golden = loadGoldenSet('confirm_refusal', GOLDEN);
  const redact = createRedactor({
    enabled: true,
    emails: true,
    card_numbers: true,
    api_keys: true,
    custom: [],
  });
  byAnswer = new Map(golden.items.map((i) => [redact(i.answer), i.expected]));
  [redisProc, receiver, fake] = await Promise.all([
    startTestRedis(),
    startWebhookReceiver(SECRET),
    startFakeOpenAi((body) => {
      const expected = expectedOf(body);
      const pass = expected === 'unknown' ? false : (expected === 'pass') !== drifting;
      return {
        content: JSON.stringify({
          score: pass ? 1 : 0,
          verdict: pass ? 'pass' : 'fail',
          reasoning: pass ? 'It answers the request.' : 'It declines.',
        }),
      };
    }),
  ]);
  redis = new Redis(redisProc.url);
  process.env['ASSAY_CALIBRATION_TEST_KEY'] = 'test-key';
  assay = await startTestAssay({
    redis: { url: redisProc.url, prefix: PREFIX },
    judges: {
      endpoints: [
        {
          name: 'default',
          base_url: fake.baseURL,
          model: MODEL,
          api_key_env: 'ASSAY_CALIBRATION_TEST_KEY',
          rate_limit_per_minute: 100_000,
          price: { input_per_mtok: 1, output_per_mtok: 2 },
        },
      ],
      calibration: {
        interval: '1s',
        shipped_sets: false,
        golden_sets: [{ rubric: 'confirm_refusal', file: GOLDEN }],
      },
    },
    alerts: {
      interval: '1s',
      channels: [{ name: 'on-call', type: 'webhook', url: receiver.url, secret: SECRET }],
    },
  });
});

afterAll(async () => {
  await worker?.shutdown();
  redis?.disconnect();
  await Promise.all([assay?.shutdown(), redisProc?.shutdown(), receiver?.close(), fake?.close()]);
  delete process.env['ASSAY_CALIBRATION_TEST_KEY'];
});

interface Row {
  run_at: string;
  trigger: string;
  judge_model: string;
  evaluator: string;
  rubric_version: string;
  golden_set: string;
  golden_hash: string;
  items: number;
  n: number;
  kappa: number | null;
  raw_agreement: number | null;
  feedback_n: number;
  position_bias: number | null;
  cost_usd: number;
}

const runs = (): Promise<Row[]> =>
  assay.rows<Row>(
    `SELECT toString(run_at) AS run_at, trigger, judge_model, evaluator, rubric_version, golden_set, golden_hash,
        items, n, kappa, raw_agreement, feedback_n, position_bias, cost_usd
      FROM assay.judge_calibration ORDER BY run_at`,
  );

/** Waits for a run newer than `after` whose kappa is `kappa`; returns every run so far. */
const runWith = (kappa: number, after = ''): Promise<Row[]> =>
  eventually(async () => {
    const all = await runs();
    return all.some((r) => r.run_at > after && r.kappa !== null && Math.abs(r.kappa - kappa) < 1e-9)
      ? all
      : undefined;
  });

const transitions = async (alerter: Alerter): Promise<string[]> =>
  ((await alerter.tickOnce()).outcome?.events ?? []).map((e) => `${e.rule.name}:${e.transition}`);

describe('judge calibration', () => {
  it('stores a kappa per run and pages once when the judge drifts, resolving when it recovers', async () => {
    worker = await startWorker(assay.rt);
    const first = await runWith(1);
    expect(first[0]).toMatchObject({
      trigger: 'config_change',
      judge_model: MODEL,
      evaluator: 'judge_confirm_refusal',
      golden_set: 'confirm_refusal',
      golden_hash: golden.hash,
      items: golden.items.length,
      n: golden.items.length,
      raw_agreement: 1,
      feedback_n: 0,
      position_bias: null,
    });
    expect(first[0]?.cost_usd).toBeGreaterThan(0);
    // Every golden item reached the judge (none lost to redaction or the rubric's applicability).
    expect(fake.requests.length).toBeGreaterThanOrEqual(golden.items.length);
    expect(fake.requests.filter((r) => expectedOf(r.body) === 'unknown')).toEqual([]);

    const alerter = createAlerter({
      config: assay.rt.config,
      clickhouse: assay.rt.clickhouse,
      redis,
      logger: silentLogger,
    });
    try {
      expect(await transitions(alerter)).toEqual([]);

      drifting = true;
      const lastGood = first.at(-1)?.run_at ?? '';
      const drifted = await runWith(-1, lastGood);
      expect(drifted.at(-1)?.trigger).toBe('schedule');
      expect(await transitions(alerter)).toEqual(['judge_drift:firing']);
      // Still drifting over further runs: one alert, no second page.
      const more = await runWith(-1, drifted.at(-1)?.run_at);
      expect(more.length).toBeGreaterThan(drifted.length);
      expect(await transitions(alerter)).toEqual([]);

      drifting = false;
      await runWith(1, more.at(-1)?.run_at);
      expect(await transitions(alerter)).toEqual(['judge_drift:resolved']);
      await alerter.idle();
    } finally {
      await alerter.shutdown();
    }
    expect(receiver.received.map((r) => r.body.status)).toEqual(['firing', 'resolved']);
    const page = receiver.received[0];
    expect(page?.verified).toBe(true);
    expect(page?.body.commonLabels).toMatchObject({
      alertname: 'judge_drift',
      metric: 'judge_kappa',
      model: MODEL,
      evaluator: 'judge_confirm_refusal',
    });
    expect(String(page?.body.alerts[0]?.annotations['summary'])).toContain(
      `judge ${MODEL} on judge_confirm_refusal: Cohen's kappa against its golden set fell from 1.00 to -1.00`,
    );
  });

  it('runs once per judge config across restarts and workers: again on a change, on schedule, never beside another', async () => {
    const prefix = 'judge-calibration-schedule';
    // Real time: llm_scores keeps 30 days (TTL), so the feedback rows below must be recent.
    let t = Date.now();
    const target: CalibrationTarget = {
      endpoints: [{ name: 'default', model: 'judge-model-b' }],
      rubrics: [{ id: 'confirm_refusal', evaluator: 'judge_confirm_refusal', version: '1+test' }],
      judgeWith: async (_e, evaluator, input) => {
        const passed = golden.items.find((i) => i.answer === input.response)?.expected === 'pass';
        return {
          kind: 'scored',
          cached: false,
          score: {
            evaluator,
            version: '1+test',
            score: passed ? 1 : 0,
            passed,
            reason: '',
            judge_model: 'judge-model-b',
            input_tokens: 1,
            output_tokens: 1,
            cost_usd: 0,
          },
        };
      },
    };
    const judgesConfig = judgesConfigSchema.parse({ endpoints: [{ model: 'judge-model-b' }] });
    const scheduler = (sets: GoldenSet[]) =>
      createCalibrationScheduler({
        config: judgesConfig.calibration,
        judgesConfig,
        judge: target,
        sets,
        redis,
        prefix,
        clickhouse: assay.rt.clickhouse,
        database: 'assay',
        logger: silentLogger,
        now: () => t,
      });
    const kinds = async (sets: GoldenSet[]) => {
      const s = scheduler(sets);
      const tick = await s.tick();
      await s.shutdown();
      return tick.kind === 'ran' ? `ran:${tick.trigger}` : tick.kind;
    };
    // Live calls this judge scored, 8 of them with end-user feedback: 7 agree (one thumbs up on a
    // judge fail). Judge passes 4/8, users 5/8: raw 0.875, chance 0.5, kappa 0.75. A feedback row
    // on a call the judge never scored, and a judge row of another model, are not paired.
    const at = t - 3_600_000;
    const score = (i: number, kind: string, passed: boolean, model = '') => ({
      timestamp: at,
      scored_at: at + 1000,
      trace_id: `t${i}`,
      span_id: `s${i}`,
      evaluator: kind === 'judge' ? 'judge_confirm_refusal' : 'user_feedback',
      evaluator_version: kind === 'judge' ? '1+test' : '1',
      kind,
      score: passed ? 1 : 0,
      passed: passed ? 1 : 0,
      outcome: passed ? 'pass' : 'fail',
      judge_model: model,
    });
    await assay.rt.clickhouse.insert({
      table: 'assay.llm_scores',
      format: 'JSONEachRow',
      values: [
        ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => score(i, 'judge', i < 4, 'judge-model-b')),
        ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => score(i, 'feedback', i < 5)),
        score(8, 'feedback', true),
        score(9, 'judge', false, 'another-judge'),
        score(9, 'feedback', true),
      ],
    });
    expect(await kinds([golden])).toBe('ran:config_change');
    // A restart with the same config, or another worker: nothing is due yet.
    expect(await kinds([golden])).toBe('not_due');
    t += 86_400_000;
    expect(await kinds([golden])).toBe('ran:schedule');
    t += 60_000;
    const smaller = { ...golden, hash: 'other-hash', items: golden.items.slice(0, 30) };
    expect(await kinds([smaller])).toBe('ran:config_change');
    // Another worker holds the lock: this one stands by, even with a new config.
    await redis.set(`${prefix}:judge-calibration:lock`, 'another-worker', 'PX', 10_000);
    expect(await kinds([golden])).toBe('standby');
    const stored = await assay.rows<{
      trigger: string;
      n: number;
      kappa: number;
      feedback_n: number;
      feedback_raw_agreement: number;
      feedback_kappa: number;
    }>(
      `SELECT trigger, n, kappa, feedback_n, feedback_raw_agreement, feedback_kappa
        FROM assay.judge_calibration WHERE judge_model = 'judge-model-b' ORDER BY run_at`,
    );
    expect(stored.map((r) => [r.trigger, Number(r.n), r.kappa])).toEqual([
      ['config_change', 40, 1],
      ['schedule', 40, 1],
      ['config_change', 30, 1],
    ]);
    expect(stored[0]).toMatchObject({ feedback_n: 8, feedback_raw_agreement: 0.875 });
    expect(stored[0]?.feedback_kappa).toBeCloseTo(0.75, 12);
  });
});
