import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLogs } from '../collector/otlp/index.ts';
import type { LogRecord } from '../collector/span.ts';
import { silentLogger } from '../core/logger.ts';
import { registry } from '../core/metrics.ts';
import { scoreExportConfigSchema } from '../evaluators/export/config.ts';
import { workerConfigSchema } from '../evaluators/worker/config.ts';
import { createScoreExporter } from '../evaluators/export/score-exporter.ts';
import type { ScoreRow } from '../evaluators/scores/rows.ts';
import { createScoreWriters } from '../evaluators/scores/writer.ts';
import { startTestAssay, type TestAssay } from './helpers/assay.ts';
import { eventually } from './helpers/eventually.ts';
import { otlpJsonRequest } from './helpers/otlp-json.ts';

/** The score writers' limits as `worker.writer` defaults them. */
const { writer } = workerConfigSchema.parse({});
const writerLimits = {
  batchRows: writer.batch_rows,
  maxBufferedRows: writer.max_buffered_rows,
  maxSpoolBytes: writer.max_spool_bytes,
};

// Assay's scores out: the worker's score writer (real ClickHouse) hands every written row to the
// exporter, which sends gen_ai.evaluation.result records with the real OTel JS logs SDK and
// OTLP/HTTP exporter to a recording server (retried on 503, bounded, drops counted), and to
// Assay's own collector, which does not take its own records back in.

/** A recording OTLP/HTTP logs receiver; `answer` decides each reply (a promise holds it). */
class Receiver {
  records: LogRecord[] = [];
  requests = 0;
  answer: (n: number) => number | Promise<number> = () => 200;
  private server?: Server;
  url = '';
  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const n = ++this.requests;
        void Promise.resolve(this.answer(n)).then((status) => {
          if (status === 200) this.records.push(...decodeLogs(Buffer.concat(chunks), 'json').items);
          res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
        });
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }
  close(): Promise<void> {
    return new Promise((r) => this.server?.close(() => r()));
  }
}

const hex = (n: number) => randomBytes(n).toString('hex');
const cfg = (over: { endpoint: string } & Record<string, unknown>) => ({
  ...scoreExportConfigSchema.parse({ enabled: true, flush_interval: '100ms', ...over }),
  endpoint: over.endpoint,
});

function row(over: Partial<ScoreRow> = {}): ScoreRow {
  return {
    timestamp: Date.now() - 60_000,
    trace_id: hex(16),
    span_id: hex(8),
    service: 'support',
    provider: 'openai',
    model: 'gpt-4o-mini',
    route: '/api/refunds',
    evaluator: 'refusal',
    evaluator_version: '2',
    kind: 'check',
    score: 0,
    passed: 0,
    confidence: 0.95,
    outcome: 'fail',
    reason: 'declines: "I can\'t help with that"',
    judge_model: '',
    input_tokens: 0,
    output_tokens: 0,
    cost_usd: 0,
    sample_weight: 1,
    scored_at: Date.now(),
    ...over,
  };
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = registry.getSingleMetric(name);
  const values = m ? (await m.get()).values : [];
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((a, v) => a + v.value, 0);
}

let assay: TestAssay;
const receiver = new Receiver();
const spool = mkdtempSync(join(tmpdir(), 'assay-score-export-'));

beforeAll(async () => {
  [assay] = await Promise.all([startTestAssay(), receiver.start()]);
});

afterAll(async () => {
  await Promise.all([assay?.shutdown(), receiver.close()]);
  rmSync(spool, { recursive: true, force: true });
});

describe('score_export', () => {
  it('exports every score the writer stores, once, with the call ids, retrying a 503', async () => {
    receiver.answer = (n) => (n === 1 ? 503 : 200);
    const exporter = createScoreExporter({ config: cfg({ endpoint: receiver.url }), logger: silentLogger });
    const writers = createScoreWriters({
      client: assay.rt.clickhouse,
      database: 'assay',
      spoolDir: spool,
      flushIntervalMs: 50,
      ...writerLimits,
      logger: silentLogger,
      onScoresWritten: (rows) => exporter.add(rows),
    });
    const rows = [
      row(),
      row({
        evaluator: 'judge_relevance',
        kind: 'judge',
        score: 0.8,
        passed: 1,
        outcome: 'pass',
        judge_model: 'gpt-4.1-mini',
      }),
      row({ evaluator: 'language_match', score: 1, passed: 1, outcome: 'unsure', reason: '' }),
    ];
    await writers.scores.add(rows).done;
    // The same rows again (a re-run job): dropped before insert, so not exported twice.
    await writers.scores.add(rows.map((r) => ({ ...r }))).done;
    await writers.shutdown();
    await exporter.flush();
    const got = await eventually(async () => (receiver.records.length >= 3 ? receiver.records : undefined));
    await exporter.shutdown();
    expect(receiver.requests).toBeGreaterThanOrEqual(2); // the 503, then the retry
    expect(got).toHaveLength(3);
    for (const [i, rec] of got.entries()) {
      const want = rows[i] as ScoreRow;
      expect(rec.eventName).toBe('gen_ai.evaluation.result');
      expect(rec.traceId).toBe(want.trace_id);
      expect(rec.spanId).toBe(want.span_id);
      expect(rec.scope.name).toBe('assay-scores');
      expect(rec.resource.attributes['service.name']).toBe('assay');
      expect(rec.attributes['gen_ai.evaluation.name']).toBe(want.evaluator);
      expect(rec.attributes['gen_ai.evaluation.score.value']).toBe(want.score);
      expect(rec.attributes['gen_ai.evaluation.score.label']).toBe(want.outcome);
      expect(rec.attributes['assay.evaluator.version']).toBe('2');
      expect(rec.attributes['assay.evaluator.kind']).toBe(want.kind);
    }
    expect(got[0]?.attributes['gen_ai.evaluation.explanation']).toBe(rows[0]?.reason);
    expect(got[1]?.attributes['assay.judge.model']).toBe('gpt-4.1-mini');
    expect(got[2]?.attributes['gen_ai.evaluation.explanation']).toBeUndefined();
  });

  it('bounds its queue: records over max_queue are dropped and counted, the rest sent', async () => {
    receiver.records = [];
    let release: () => void = () => undefined;
    const held = new Promise<number>((r) => (release = () => r(200)));
    receiver.answer = () => held;
    const exporter = createScoreExporter({
      config: cfg({ endpoint: receiver.url, max_queue: 4, batch_size: 2 }),
      logger: silentLogger,
    });
    const before = await metric('assay_score_export_dropped_total', { reason: 'queue_full' });
    const sentBefore = await metric('assay_score_export_records_total', { outcome: 'sent' });
    exporter.add(Array.from({ length: 10 }, () => row()));
    expect(await metric('assay_score_export_dropped_total', { reason: 'queue_full' })).toBe(before + 6);
    expect(await metric('assay_score_export_queued')).toBe(4);
    release();
    await exporter.flush();
    await exporter.shutdown();
    expect(receiver.records).toHaveLength(4);
    expect(await metric('assay_score_export_records_total', { outcome: 'sent' })).toBe(sentBefore + 4);
    expect(await metric('assay_score_export_queued')).toBe(0);
  });

  it("is not taken back in when pointed at Assay's own collector", async () => {
    const { body, spanIds } = otlpJsonRequest([{ route: '/api/loop' }]);
    const traceId = (
      JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: { traceId: string }[] }[] }[] }
    ).resourceSpans[0]?.scopeSpans[0]?.spans[0]?.traceId as string;
    const res = await fetch(`${assay.collector.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    const before = await metric('assay_external_scores_rejected_total', {
      via: 'otel',
      reason: 'own_export',
    });
    const exporter = createScoreExporter({
      config: cfg({ endpoint: assay.collector.url }),
      logger: silentLogger,
    });
    exporter.add([row({ trace_id: traceId, span_id: spanIds[0] as string })]);
    await exporter.flush();
    await exporter.shutdown();
    await eventually(async () =>
      (await metric('assay_external_scores_rejected_total', { via: 'otel', reason: 'own_export' })) ===
      before + 1
        ? true
        : undefined,
    );
    const [n] = await assay.rows<{ n: number }>(
      'SELECT count() AS n FROM assay.llm_scores WHERE trace_id = {t:String}',
      {
        t: traceId,
      },
    );
    expect(Number(n?.n)).toBe(0);
  });
});
