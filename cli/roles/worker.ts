import { join } from 'node:path';
import { createRedisClient } from '../../core/redis-client.ts';
import { createRedactor } from '../../collector/normalise/redaction.ts';
import { createCheckPlan } from '../../evaluators/checks/index.ts';
import {
  createCalibrationScheduler,
  createJudgeRunner,
  createRedisJudgeCache,
  goldenSetsFor,
  type CalibrationScheduler,
  createRedisSpendLedger,
  redisRateLimiters,
  type JudgeRunner,
} from '../../evaluators/judges/index.ts';
import { createScoreExporter, type ScoreExporter } from '../../evaluators/export/score-exporter.ts';
import { createEvaluationWorker } from '../../evaluators/worker/index.ts';
import { createConversationJudge, type ConversationJudge } from '../../evaluators/conversations/index.ts';
import type { Runtime } from '../runtime.ts';
import type { Role } from './role.ts';

/** Scores sampled calls from the `assay-evaluations` queue: cheap checks, then judges. */
export async function startWorker(rt: Runtime): Promise<Role> {
  const { config, logger } = rt;
  if (!rt.redis)
    throw new Error('the worker needs Redis (redis.url, redis.cluster, or redis-server on PATH)');
  const redis = createRedisClient(rt.redis, { maxRetriesPerRequest: 3 });
  let judges: JudgeRunner | null = null;
  let calibration: CalibrationScheduler | undefined;
  let conversationJudge: ConversationJudge | null = null;
  if (config.judges.endpoints.length > 0) {
    const judgeDeps = {
      logger,
      spend: createRedisSpendLedger(redis, config.redis.prefix),
      cache: createRedisJudgeCache(redis, config.redis.prefix),
      rateLimiters: redisRateLimiters(redis, config.redis.prefix),
      redact: createRedactor(config.collector.redaction),
    };
    const runner = createJudgeRunner(config.judges, judgeDeps);
    judges = runner;
    // Judges that are checked: golden sets judged again on a judge config change and every interval.
    const cal = config.judges.calibration;
    if (cal.enabled)
      calibration = createCalibrationScheduler({
        config: cal,
        judgesConfig: config.judges,
        judge: runner,
        sets: goldenSetsFor(cal, new Set(runner.rubrics.map((r) => r.id))),
        redis,
        prefix: config.redis.prefix,
        clickhouse: rt.clickhouse,
        database: config.clickhouse.database,
        logger,
        now: rt.now,
      });
    if (config.worker.conversations.enabled)
      conversationJudge = createConversationJudge(runner, { redact: judgeDeps.redact });
  }
  // Every score written, also sent out as an OTel evaluation event (score_export).
  const exp = config.score_export;
  const exporter: ScoreExporter | undefined =
    exp.enabled && exp.endpoint
      ? createScoreExporter({ config: { ...exp, endpoint: exp.endpoint }, logger })
      : undefined;
  const worker = await createEvaluationWorker({
    config,
    clickhouse: rt.clickhouse,
    database: config.clickhouse.database,
    redis: rt.redis,
    logger,
    checks: (deps) => createCheckPlan(config.evaluators, deps),
    judges,
    conversationJudge,
    spoolDir: join(rt.dataDir, 'spool', 'llm_scores'),
    onScoresWritten: exporter ? (rows) => exporter.add(rows) : undefined,
  });
  calibration?.start();
  logger.info('evaluation worker started');
  let stopped: Promise<void> | undefined;
  return {
    name: 'worker',
    shutdown: () =>
      (stopped ??= (async () => {
        // A calibration run in progress is abandoned (nothing of it stored); judges' shutdown ends its request.
        const calibrationStopped = calibration?.shutdown();
        await worker.shutdown();
        await exporter?.shutdown();
        await judges?.shutdown();
        await calibrationStopped;
        redis.disconnect();
      })()),
  };
}
