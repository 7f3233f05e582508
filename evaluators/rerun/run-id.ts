import { createHash } from 'node:crypto';

/** The arguments that name a run: the same ones given again resume it. */
export interface RunArgs {
  /** `--since` and `--until` as written (`7d`): the range is fixed at the run's first start. */
  since: string;
  until: string;
  where: Partial<Record<string, string[]>>;
  /** The evaluator set's key (ids and versions). */
  setKey: string;
}

/** 16 hex of sha256 over the arguments in a canonical order. */
export function runId(args: RunArgs): string {
  const where = Object.keys(args.where)
    .sort()
    .map((k) => [k, [...(args.where[k] ?? [])].sort()]);
  const text = JSON.stringify([args.since, args.until, where, args.setKey]);
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
