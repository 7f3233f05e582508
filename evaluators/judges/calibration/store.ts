import type { ClickHouseClient } from '@clickhouse/client';
import type { Agreement } from './agreement.ts';
import type { CalibrationRow } from './calibrate.ts';

/** Writes a run's rows; the run id is the insert's deduplication token, so a retried insert counts once. */
export async function insertCalibrationRows(
  client: ClickHouseClient,
  database: string,
  rows: readonly CalibrationRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await client.insert({
    table: `${database}.judge_calibration`,
    values: rows as CalibrationRow[],
    format: 'JSONEachRow',
    clickhouse_settings: { insert_deduplication_token: rows[0]?.run_id ?? '' },
  });
}

/**
 * The judge's agreement with end-user feedback on live calls that have both, over the last
 * `windowMs` (the same pairing as the evaluations dashboard's table: the newest sure verdict of
 * each side per call).
 */
export async function feedbackAgreement(
  client: ClickHouseClient,
  database: string,
  q: { judgeModel: string; evaluator: string; version: string; windowMs: number; now: number },
): Promise<Agreement> {
  const rs = await client.query({
    query: `SELECT count() AS n, avg(j.passed = f.passed) AS raw, avg(j.passed) AS pj, avg(f.passed) AS pf
      FROM (
        SELECT trace_id, span_id, argMax(passed, scored_at) AS passed FROM ${database}.llm_scores
        WHERE timestamp >= fromUnixTimestamp64Milli({since:Int64}) AND kind = 'judge' AND outcome != 'unsure'
          AND evaluator = {evaluator:String} AND judge_model = {model:String} AND evaluator_version = {version:String}
        GROUP BY trace_id, span_id
      ) AS j
      INNER JOIN (
        SELECT trace_id, span_id, argMax(passed, scored_at) AS passed FROM ${database}.llm_scores
        WHERE timestamp >= fromUnixTimestamp64Milli({since:Int64}) AND kind = 'feedback' AND outcome != 'unsure'
        GROUP BY trace_id, span_id
      ) AS f USING (trace_id, span_id)`,
    query_params: {
      since: q.now - q.windowMs,
      evaluator: q.evaluator,
      model: q.judgeModel,
      version: q.version,
    },
    format: 'JSONEachRow',
  });
  const [r] = await rs.json<{
    n: string | number;
    raw: number | null;
    pj: number | null;
    pf: number | null;
  }>();
  const n = Number(r?.n ?? 0);
  if (!r || n === 0 || r.raw === null || r.pj === null || r.pf === null)
    return { n: 0, raw: NaN, kappa: null };
  const chance = r.pj * r.pf + (1 - r.pj) * (1 - r.pf);
  return { n, raw: r.raw, kappa: chance >= 1 ? null : (r.raw - chance) / (1 - chance) };
}
