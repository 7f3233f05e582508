import cliProgress from 'cli-progress';
import type { RerunProgress } from '../../evaluators/rerun/index.ts';

/** Shows a run's progress: a bar with an ETA on a terminal, plain lines otherwise (logs, CI, pipes). */
export interface ProgressReporter {
  update(p: RerunProgress): void;
  /** Ends the bar (or prints the last line). Idempotent. */
  stop(): void;
}

export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  /** Plain lines at most this often, ms. Default 2000. */
  lineEveryMs?: number;
  now?: () => number;
}

/** The bar when `stream` is a TTY, else {@link plainLines}. */
export function createProgressReporter(opts: ProgressOptions): ProgressReporter {
  return opts.stream.isTTY ? progressBar(opts.stream) : plainLines(opts);
}

function progressBar(stream: NodeJS.WriteStream): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        're-evaluating |{bar}| {percentage}% | {value}/{total} calls | {failed} failed | ETA {eta_formatted}',
      hideCursor: true,
      // The ETA from the recent rate only (a resumed run's finished part says nothing of speed).
      etaBuffer: 30,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  return {
    update(p) {
      if (stopped) return;
      if (!started) {
        bar.start(p.total, p.resumedFrom, { failed: p.failed });
        started = true;
      }
      bar.setTotal(p.total);
      bar.update(p.done, { failed: p.failed });
    },
    stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}

/** One line per `lineEveryMs` at most: `evaluate: 120/600 calls (20.0%), 0 failed, 35.2 calls/s, eta 14s`. */
export function plainLines(opts: ProgressOptions): ProgressReporter {
  const now = opts.now ?? Date.now;
  const every = opts.lineEveryMs ?? 2000;
  const t0 = now();
  let lastLine = -Infinity;
  let last: RerunProgress | undefined;
  let printed: RerunProgress | undefined;
  const print = (p: RerunProgress): void => {
    printed = p;
    lastLine = now();
    opts.stream.write(`${formatLine(p, (now() - t0) / 1000)}\n`);
  };
  return {
    update(p) {
      last = p;
      if (now() - lastLine >= every) print(p);
    },
    stop() {
      if (last && last !== printed) print(last);
      last = undefined;
    },
  };
}

/** The plain progress line; the rate and ETA count only what this process saw finish. */
export function formatLine(p: RerunProgress, elapsedS: number): string {
  const pct = p.total > 0 ? ((100 * p.done) / p.total).toFixed(1) : '100.0';
  const rate = elapsedS > 0 ? (p.done - p.resumedFrom) / elapsedS : 0;
  const eta = rate > 0 ? `${formatSeconds((p.total - p.done) / rate)}` : 'unknown';
  return `evaluate: ${p.done}/${p.total} calls (${pct}%), ${p.failed} failed, ${rate.toFixed(1)} calls/s, eta ${eta}`;
}

function formatSeconds(s: number): string {
  const total = Math.max(0, Math.round(s));
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`;
  return `${Math.floor(total / 3600)}h${String(Math.floor((total % 3600) / 60)).padStart(2, '0')}m`;
}
