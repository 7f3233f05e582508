import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LlmCall } from '../../core/llm-call.ts';
import { createReceiverServer, type OtlpSink } from '../../collector/http/index.ts';
import { createPricer } from '../../collector/normalise/pricing.ts';
import { createRedactor } from '../../collector/normalise/redaction.ts';
import { CollectorPipeline, joinTtlMs, spanSelection } from '../../collector/pipeline.ts';
import { openRedisJoinStore } from '../../collector/route/redis-join-store.ts';
import { withEvaluationEvents } from '../../collector/scores/evaluation-sink.ts';
import { ScoreStore } from '../../collector/scores/store.ts';
import { DurableSink } from '../../collector/wal/durable-sink.ts';
import { WriteAheadLog } from '../../collector/wal/wal.ts';
import { judgeProbabilityFor } from '../../evaluators/judges/index.ts';
import { createEvaluationIntake, type EvaluationIntake } from '../../intake/index.ts';
import { llmCallsFormat } from '../../storage/llm-calls-format.ts';
import { skipStoredCalls } from '../../storage/stored-calls.ts';
import { BatchWriter, type BatchWriterOptions } from '../../storage/writer.ts';
import type { Runtime } from '../runtime.ts';
import type { Role } from './role.ts';

export interface CollectorRole extends Role {
  /** The OTLP/HTTP address actually bound (port 0 in config → an ephemeral one). */
  url: string;
}

/**
 * OTLP/HTTP receiver → write-ahead log (`collector.durability`) → pipeline (LLM calls, routes,
 * content) → batched ClickHouse writer, and, once a call is written, the sampled ones into the
 * evaluation queue. At start the log left by a previous process is replayed first, through a
 * second writer that skips calls already stored.
 */
export async function startCollector(rt: Runtime): Promise<CollectorRole> {
  const { config, logger } = rt;
  // The hand-off to the evaluators: decide per call, queue what was written, shut down.
  const intake: EvaluationIntake | undefined = rt.redis
    ? await createEvaluationIntake({
        redis: rt.redis,
        prefix: config.redis.prefix,
        sampling: config.sampling,
        judgeProbability: judgeProbabilityFor(config.judges, config.sampling.judge_rate),
        maxPending: config.clickhouse.writer.max_buffered_rows * 2,
        logger,
      })
    : undefined;

  const table = `${config.clickhouse.database}.llm_calls`;
  const writerOptions = (name: string): BatchWriterOptions<LlmCall> => ({
    name,
    table,
    format: llmCallsFormat,
    client: rt.clickhouse,
    batchRows: config.clickhouse.writer.batch_rows,
    flushIntervalMs: config.clickhouse.writer.flush_interval,
    maxBufferedRows: config.clickhouse.writer.max_buffered_rows,
    spoolDir: join(rt.dataDir, 'spool', name),
    maxSpoolBytes: config.clickhouse.writer.max_spool_bytes,
    logger,
    // Only sampled calls are needed afterwards (to queue their evaluation).
    retain: (row) => row.sampled === 1,
    onWritten: (rows) => intake?.written(rows),
  });
  const writer = new BatchWriter<LlmCall>(writerOptions('llm_calls'));

  const durability = config.collector.durability;
  const walDir = join(rt.dataDir, 'wal');
  const wal = durability.enabled
    ? new WriteAheadLog({
        dir: walDir,
        fsync: durability.fsync,
        groupCommitMs: durability.group_commit,
        segmentBytes: durability.segment_bytes,
        maxBytes: durability.max_bytes,
        logger,
        // Calls wait for their record to be durable before they go to the writer.
        onResolved: () => pipeline.release(),
      })
    : undefined;
  if (!wal && existsSync(walDir) && readdirSync(walDir).some((f) => f.endsWith('.wal')))
    logger.warn(
      { dir: walDir },
      'collector.durability is off: the write-ahead log left here is not replayed',
    );
  // Calls replayed from the log may have been written before the crash: this writer checks.
  const replayWriter = wal
    ? new BatchWriter<LlmCall>({
        ...writerOptions('llm_calls_replay'),
        beforeInsert: skipStoredCalls(rt.clickhouse, table, () => writer.startupSpoolReplayed()),
      })
    : undefined;

  const redact = createRedactor(config.collector.redaction);
  // collector.join_store: redis — the per-trace join shared with the other collectors.
  const joinConfig = config.collector.join_store;
  if (joinConfig.type === 'redis' && !rt.redis)
    throw new Error('collector.join_store.type redis needs Redis (the redis section)');
  const joinStore =
    joinConfig.type === 'redis' && rt.redis
      ? await openRedisJoinStore(rt.redis, {
          prefix: config.redis.prefix,
          ttlMs: joinTtlMs(config.collector.route.wait),
          maxEntriesPerTrace: joinConfig.max_entries_per_trace,
          timeoutMs: joinConfig.timeout,
        })
      : undefined;
  const pipeline = new CollectorPipeline({
    joinStore,
    config: config.collector,
    sink: writer,
    replaySink: replayWriter,
    holds: wal,
    resolvedLsn: wal ? () => wal.resolvedLsn : undefined,
    logger,
    price: createPricer(config.collector.prices),
    redact,
    sample: intake ? (call) => intake.decide(call) : undefined,
  });

  const selection = spanSelection(config.collector.route.keys);
  const durable = wal ? new DurableSink({ pipeline, wal, logger, spanSelection: selection }) : undefined;
  await durable?.replay();
  const callSink: OtlpSink = durable ?? {
    acceptSpans: (spans) => pipeline.acceptSpans(spans),
    acceptLogs: (records) => pipeline.acceptLogs(records),
  };
  // Scores from outside Assay (collector/scores/): POST /v1/scores and evaluation log records.
  const scoresConfig = config.collector.scores;
  const scoreStore = scoresConfig.enabled
    ? new ScoreStore({
        client: rt.clickhouse,
        database: config.clickhouse.database,
        config: scoresConfig,
        logger,
      })
    : undefined;
  scoreStore?.start();
  const sink = scoreStore ? withEvaluationEvents(callSink, { store: scoreStore, redact }) : callSink;

  let ready = false;
  const server = createReceiverServer({
    sink,
    scores: scoreStore
      ? { accept: (s) => scoreStore.accept(s), maxBatch: scoresConfig.max_batch, redact }
      : undefined,
    spanSelection: selection,
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
        // them to ClickHouse (or the spool), cut the log of what is now safe, then hand the
        // last sampled ones to the queue. A writer that could not flush fails the stop (exit
        // non-zero); what it held stays in the write-ahead log for the next start.
        await server.close();
        await scoreStore?.shutdown();
        await pipeline.shutdown();
        const failures: unknown[] = [];
        for (const w of [writer, replayWriter])
          await w?.shutdown().catch((err: unknown) => failures.push(err));
        await new Promise((r) => setImmediate(r));
        await wal?.shutdown();
        await intake?.shutdown();
        if (failures.length) throw failures[0];
        logger.info('collector stopped');
      })()),
  };
}
