import type { ClickHouseClient } from '@clickhouse/client';
import type { RuleConfig } from '../config.ts';
import type { SeriesSnapshot } from '../types.ts';
import { chTime, num, queryRows } from './query.ts';

/**
 * Series of a `judge_kappa` rule, one per (judge model, judge evaluator): the newest calibration
 * run within the rule's `window` (`current`) and the run before it within `window + baseline`
 * (`baseline`), from `judge_calibration` (migration 0010). A judge whose newest run is older
 * than `window` has no series, so its alert resolves instead of firing on stale numbers.
 */
export async function readJudgeKappa(
  client: ClickHouseClient,
  database: string,
  rule: RuleConfig,
  now: number,
): Promise<SeriesSnapshot[]> {
  const rows = await queryRows(
    client,
    `SELECT judge_model, evaluator, runs[1].1 AS cur_at, runs[1].2 AS cur_kappa, runs[1].3 AS cur_n,
        if(length(runs) > 1, runs[2].2, NULL) AS base_kappa, if(length(runs) > 1, runs[2].3, 0) AS base_n
      FROM (
        SELECT judge_model, evaluator,
          arraySlice(arrayReverseSort(x -> x.1, groupArray((run_at, kappa, n))), 1, 2) AS runs
        FROM ${database}.judge_calibration
        WHERE run_at >= {since:DateTime64(3, 'UTC')} AND run_at <= {end:DateTime64(3, 'UTC')}
        GROUP BY judge_model, evaluator
      )
      WHERE cur_at >= {cur:DateTime64(3, 'UTC')}`,
    {
      since: chTime(now - rule.window - rule.baseline),
      cur: chTime(now - rule.window),
      end: chTime(now + 1000),
    },
  );
  return rows.map((r) => {
    const kappa = r['cur_kappa'];
    const base = r['base_kappa'];
    return {
      labels: { model: String(r['judge_model']), evaluator: String(r['evaluator']) },
      // An undefined kappa (every verdict the same) reads as no verdicts: nothing to judge drift on.
      current: { kind: 'point', n: kappa === null ? 0 : num(r['cur_n']), value: num(kappa) },
      baseline: { kind: 'point', n: base === null ? 0 : num(r['base_n']), value: num(base) },
    };
  });
}
