import { join } from 'node:path';
import { callKey, type LlmCall } from '../../core/llm-call.ts';
import { createReceiverServer } from '../../collector/http/index.ts';
import { createPricer } from '../../collector/normalise/pricing.ts';
import { createRedactor } from '../../collector/normalise/redaction.ts';
import { CollectorPipeline, spanSelection } from '../../collector/pipeline.ts';
import { createSampler, type SamplingDecision } from '../../collector/sampling/index.ts';
import { jobFromCall } from '../../collector/eval-jobs.ts';
import { judgeProbabilityFor } from '../../evaluators/judges/index.ts';
import { createEvalProducer, type EvalProducer } from '../../evaluators/queue/producer.ts';
import { llmCallsFormat } from '../../storage/llm-calls-format.ts';
import { BatchWriter } from '../../storage/writer.ts';
import type { Runtime } from '../runtime.ts';
import type { Role } from './role.ts';

export interface CollectorRole extends Role {
  /** The OTLP/HTTP address actually bound (port 0 in config → an ephemeral one). */
  url: string;
}

/**
 * OTLP/HTTP receiver → pipeline (LLM calls, routes, content) → batched ClickHouse writer, and,
 * once a call is written, the sampled ones into the evaluation queue.
 */
export async function startCollector(rt: Runtime): Promise<CollectorRole> {
  const { config, logger } = rt;
  const producer: EvalProducer | undefined = rt.redisUrl
    ? await createEvalProducer({ redisUrl: rt.redisUrl, prefix: config.redis.prefix, logger })
    : undefined;
  const decisions = new Map<string, SamplingDecision>();
  const sampler = producer
    ? createSampler(config.sampling, {
        queueDepth: () => producer.depth(),
        judgeProbability: judgeProbabilityFor(config.judges, config.sampling.judge_rate),
      })
    : undefined;

  const writer = new BatchWriter<LlmCall>({
    name: 'llm_calls',
    table: `${config.clickhouse.database}.llm_calls`,
    format: llmCallsFormat,
    client: rt.clickhouse,
    batchRows: config.clickhouse.writer.batch_rows,
    flushIntervalMs: config.clickhouse.writer.flush_interval,
    maxBufferedRows: config.clickhouse.writer.max_buffered_rows,
    spoolDir: join(rt.dataDir, 'spool', 'llm_calls'),
    maxSpoolBytes: config.clickhouse.writer.max_spool_bytes,
    logger,
    // Only sampled calls are needed afterwards (to queue their evaluation).
    retain: (row) => row.sampled === 1,
    onWritten: (rows) => {
      if (!producer) return;
      const jobs = [];
      for (const row of rows) {
        if (row.sampled !== 1) continue;
        const key = callKey(row);
        const decision = decisions.get(key);
        decisions.delete(key);
        jobs.push(jobFromCall(row, decision));
      }
      if (jobs.length) producer.enqueue(jobs);
    },
  });

  const pipeline = new CollectorPipeline({
    config: config.collector,
    sink: writer,
    logger,
    price: createPricer(config.collector.prices),
    redact: createRedactor(config.collector.redaction),
    sample: sampler
      ? (call) => {
          const decision = sampler.decide(call);
          if (!decision.sampled) return false;
          if (decisions.size >= config.clickhouse.writer.max_buffered_rows * 2) decisions.clear();
          decisions.set(callKey(call), decision);
          return true;
        }
      : undefined,
  });

  let ready = false;
  const server = createReceiverServer({
    sink: pipeline,
    spanSelection: spanSelection(config.collector.route.keys),
    config: config.collector,
    logger,
    isReady: () => ready,
  });
  await server.listen({ host: config.collector.host, port: config.collector.port });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.collector.port;
  const url = `http://${config.collector.host}:${port}`;
  ready = true;
  logger.info({ url }, 'collector listening for OTLP/HTTP');

  let stopped: Promise<void> | undefined;
  return {
    name: 'collector',
    url,
    shutdown: () =>
      (stopped ??= (async () => {
        ready = false;
        // Order matters: stop intake (in-flight requests finish), finish waiting calls, flush
        // them to ClickHouse (or the spool), then hand the last sampled ones to the queue.
        await server.close();
        await pipeline.shutdown();
        await writer.shutdown();
        await producer?.shutdown();
        logger.info('collector stopped');
      })()),
  };
}
