import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../core/logger.ts';
import { BatchWriter } from '../../storage/index.ts';
import { dropStoredDuplicates } from './dedupe.ts';
import { supersedeOlderVersions } from './supersede.ts';
import type { ScoreRow, VerdictRow } from './rows.ts';

export interface ScoreWritersOptions {
  client: ClickHouseClient;
  database: string;
  /** `llm_scores/` and `call_verdicts/` spools are created under it. */
  spoolDir: string;
  /** Longest a row waits before its batch is inserted; jobs complete after their rows are written. */
  flushIntervalMs: number;
  logger: Logger;
  /** Rows per insert at most (`worker.writer.batch_rows`). */
  batchRows: number;
  /** Rows buffered per table before `add` refuses (the job is then retried later; `worker.writer.max_buffered_rows`). */
  maxBufferedRows: number;
  /** Disk spool per table while ClickHouse is unreachable (`worker.writer.max_spool_bytes`). */
  maxSpoolBytes: number;
  /** Called with the score rows each insert wrote (duplicates already dropped), e.g. the score export. */
  onScoresWritten?: (rows: ScoreRow[]) => void;
}

/** The two idempotent, batched writers of evaluation results. */
export interface ScoreWriters {
  scores: BatchWriter<ScoreRow>;
  verdicts: BatchWriter<VerdictRow>;
  /** Flushes both (spooling what cannot be sent). Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Batched writers for `llm_scores` and `call_verdicts`, each with a `beforeInsert` hook that
 * drops rows already stored, so a re-run job never adds a second row to a table or its rollup.
 * A score of a new evaluator version for a call scored before also has the row it replaces
 * copied to `llm_scores_superseded`, which takes it out of the rollups (migration 0009).
 */
export function createScoreWriters(opts: ScoreWritersOptions): ScoreWriters {
  const common = {
    client: opts.client,
    batchRows: opts.batchRows,
    flushIntervalMs: opts.flushIntervalMs,
    maxBufferedRows: opts.maxBufferedRows,
    maxSpoolBytes: opts.maxSpoolBytes,
    logger: opts.logger,
  };
  const scoresTable = `${opts.database}.llm_scores`;
  const verdictsTable = `${opts.database}.call_verdicts`;
  const supersede = supersedeOlderVersions(opts.client, opts.database);
  const dropDuplicates = dropStoredDuplicates<ScoreRow>(opts.client, scoresTable, 'llm_scores', true);
  const scores = new BatchWriter<ScoreRow>({
    ...common,
    name: 'llm_scores',
    table: scoresTable,
    spoolDir: join(opts.spoolDir, 'llm_scores'),
    beforeInsert: async (rows) => {
      // Before the duplicates are dropped: a batch whose rows were all stored before a crash
      // still completes the copies of the rows it replaces.
      await supersede(rows);
      return dropDuplicates(rows);
    },
    onWritten: opts.onScoresWritten,
  });
  const verdicts = new BatchWriter<VerdictRow>({
    ...common,
    name: 'call_verdicts',
    table: verdictsTable,
    spoolDir: join(opts.spoolDir, 'call_verdicts'),
    beforeInsert: dropStoredDuplicates<VerdictRow>(opts.client, verdictsTable, 'call_verdicts', false),
  });
  let closed: Promise<void> | undefined;
  return {
    scores,
    verdicts,
    shutdown: () => (closed ??= Promise.all([scores.shutdown(), verdicts.shutdown()]).then(() => undefined)),
  };
}
