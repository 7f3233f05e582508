/**
 * What the three AlpacaEval samples (alpacaeval-template-leaks, alpacaeval-loops,
 * alpacaeval-language-switch) read the same way: the answers committed in a clone of
 * tatsu-lab/alpaca_eval, as manifest items, and the manifest they are written to.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ALPACA_EVAL = 'tatsu-lab/alpaca_eval';

export const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** One model's answer to one instruction, with what the manifest needs to point at it. */
export interface Answer {
  model: string;
  /** Its row in `results/<model>/model_outputs.json`: the instruction's number. */
  row: number;
  /** `<model>#<row>`, as SOURCE.md and the build scripts name an answer. */
  key: string;
  instruction: string;
  output: string;
  /** The answer as a manifest item (labels empty): every text a reference into the file at `commit`. */
  item: Record<string, unknown>;
  /** SHA-256 of `<model>:<row>`: the order the samples pick "the lowest" answers in. */
  rank: string;
}

/**
 * Every answer (a string output to a string instruction) of every
 * `results/<model>/model_outputs.json` at `commit`, models in path order. A file the clone does not
 * hold (a shallow or partial snapshot) is passed over.
 */
export function* alpacaEvalAnswers(gitDir: string, commit: string): Generator<Answer> {
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', gitDir, ...args], {
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString('utf8');
  const files = git('ls-tree', '-r', commit, '--name-only')
    .split('\n')
    .filter((f) => f.startsWith('results/') && f.endsWith('/model_outputs.json'))
    .sort();
  for (const path of files) {
    const model = path.split('/')[1] as string;
    let rows: Array<Record<string, unknown>>;
    try {
      rows = JSON.parse(git('show', `${commit}:${path}`)) as Array<Record<string, unknown>>;
    } catch {
      continue;
    }
    for (const [row, r] of rows.entries()) {
      const output = r['output'];
      const instruction = r['instruction'];
      if (typeof output !== 'string' || typeof instruction !== 'string') continue;
      const ref = (field: string) => ({ kind: 'json', repo: ALPACA_EVAL, path, json: [row, field], commit });
      yield {
        model,
        row,
        key: `${model}#${row}`,
        instruction,
        output,
        rank: sha256(`${model}:${row}`),
        item: {
          id: `${ALPACA_EVAL}:${path}#${row}`,
          group: instruction,
          question: ref('instruction'),
          response: ref('output'),
          model: ref('generator'),
          labels: {},
          sha256: sha256(output),
        },
      };
    }
  }
}

/** Answers kept per model, to be cut to the lowest-ranked few. */
export class PerModel {
  private readonly byModel = new Map<string, Answer[]>();
  add(answer: Answer): void {
    this.byModel.set(answer.model, [...(this.byModel.get(answer.model) ?? []), answer]);
  }
  /** Up to `n` answers of each model, in `order` (default: by rank), models in the order first seen. */
  take(n: number, order: (a: Answer, b: Answer) => number = (a, b) => (a.rank < b.rank ? -1 : 1)): Answer[] {
    return [...this.byModel.values()].flatMap((xs) => [...xs].sort(order).slice(0, n));
  }
}

/** Writes `bench/quality/datasets/<dataset>/manifest.json`, items sorted by id, one a line. */
export function writeManifest(dataset: string, items: ReadonlyArray<Record<string, unknown>>): string {
  const sorted = [...items].sort((a, b) => ((a['id'] as string) < (b['id'] as string) ? -1 : 1));
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'datasets', dataset, 'manifest.json');
  writeFileSync(
    out,
    `{\n  "dataset": "${dataset}",\n  "items": [\n${sorted.map((x) => `    ${JSON.stringify(x)}`).join(',\n')}\n  ]\n}\n`,
  );
  return out;
}
