import { join } from 'node:path';
import { READER_PASSWORD_FILE } from '../../storage/embedded/credentials.ts';
import type { Runtime } from '../runtime.ts';
import type { VirtualClock } from './clock.ts';
import type { ReceivedAlert } from './webhook-receiver.ts';

/** The line that shows the demo is alive while it waits: phase, virtual time, what Assay stored. */
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private label = '';
  private stats = '';
  private readonly tty: boolean;
  private lastPrint = 0;

  constructor(
    private readonly rt: Runtime,
    private readonly clock: VirtualClock,
    private readonly out: NodeJS.WriteStream,
  ) {
    this.tty = out.isTTY === true;
  }

  start(label: string): void {
    this.phase(label);
  }

  phase(label: string): void {
    this.label = label;
    this.out.write(`\n▶ ${label}\n`);
    this.timer ??= setInterval(() => void this.refresh(), 1000);
  }

  pause(): void {
    if (this.tty) this.out.write('\r\x1b[2K');
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.pause();
  }

  private async refresh(): Promise<void> {
    try {
      const rs = await this.rt.clickhouse.query({
        query: `SELECT
            (SELECT count() FROM assay.llm_calls) AS calls,
            (SELECT count() FROM assay.llm_scores) AS scores,
            (SELECT countIf(failed = 1) FROM assay.call_verdicts WHERE provider = 'acme' AND route = '/api/refunds'
               AND timestamp > fromUnixTimestamp64Milli({from:Int64})) AS failing,
            (SELECT count() FROM assay.call_verdicts WHERE provider = 'acme' AND route = '/api/refunds'
               AND timestamp > fromUnixTimestamp64Milli({from:Int64})) AS scored`,
        query_params: { from: Math.round(this.clock.now() - 5 * 60_000) },
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      });
      const [row] = await rs.json<{ calls: number; scores: number; failing: number; scored: number }>();
      if (!row) return;
      const rate = row.scored ? ((100 * row.failing) / row.scored).toFixed(1) : '–';
      const vt = new Date(this.clock.now()).toISOString().slice(11, 16);
      this.stats = `virtual ${vt} · ${row.calls} calls stored · ${row.scores} scores · acme /api/refunds failing ${rate}% (last 5 virtual min)`;
    } catch (err) {
      this.stats = `waiting for ClickHouse… (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
    }
    const secs = Math.round(this.clock.elapsedReal() / 1000);
    if (this.tty) this.out.write(`\r\x1b[2K  [${secs}s] ${this.stats}`);
    else if (Date.now() - this.lastPrint > 5000) {
      this.lastPrint = Date.now();
      this.out.write(`  [${secs}s] ${this.stats}\n`);
    }
  }
}

/** Prints a received notification the way on-call would read it. */
export function printAlert(
  out: NodeJS.WritableStream,
  alert: ReceivedAlert,
  afterSeconds: number,
  speed: number,
): void {
  const a = alert.body.alerts[0];
  const title = alert.body.status === 'firing' ? 'ALERT FIRING' : 'ALERT RESOLVED';
  out.write(`\n━━━ ${title} ━━━ webhook received ${afterSeconds.toFixed(1)} s after the change`);
  out.write(
    ` (≈ ${((afterSeconds * speed) / 60).toFixed(1)} virtual minutes) · signature ${alert.verified ? 'verified ✔' : 'INVALID ✘'}\n`,
  );
  if (!a) return;
  out.write(`  ${a.annotations['summary'] ?? ''}\n`);
  out.write(
    `  labels: ${Object.entries(a.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}\n`,
  );
  for (const [k, v] of Object.entries(a.annotations)) {
    if (k === 'summary') continue;
    out.write(`  ${k}: ${v.length > 300 ? `${v.slice(0, 300)}…` : v}\n`);
  }
  out.write(
    `  startsAt ${a.startsAt}${alert.body.status === 'resolved' ? ` · endsAt ${a.endsAt}` : ''} · fingerprint ${a.fingerprint}\n`,
  );
  out.write(`  payload: Alertmanager webhook v${alert.body.version}, groupKey ${alert.body.groupKey}\n`);
}

/** Queries worth running against the embedded ClickHouse while the demo runs, as its read-only user. */
export function printQueries(out: NodeJS.WritableStream, clickhouseUrl: string, dataDir: string): void {
  const auth = `-u "reader:$(cat ${join(dataDir, READER_PASSWORD_FILE)})"`;
  const q = (sql: string): string =>
    `curl -s ${auth} '${clickhouseUrl}/?default_format=PrettyCompact' --data-binary "${sql}"`;
  out.write('\n  look at the numbers behind it (while the demo runs):\n');
  out.write(
    `  ${q('SELECT provider, route, sum(scored) AS scored, sum(failed) AS failed, round(failed/scored, 3) AS rate FROM assay.call_verdicts_1m GROUP BY provider, route ORDER BY rate DESC')}\n`,
  );
  out.write(
    `  ${q("SELECT evaluator, countIf(passed = 0) AS failures FROM assay.llm_scores WHERE provider = 'acme' AND route = '/api/refunds' GROUP BY evaluator ORDER BY failures DESC")}\n`,
  );
  out.write(
    `  ${q("SELECT timestamp, model, substring(response, 1, 60) AS answer FROM assay.llm_calls WHERE route = '/api/refunds' ORDER BY timestamp DESC LIMIT 5")}\n\n`,
  );
}
