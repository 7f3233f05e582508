import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { alertsConfigSchema, grafanaConfigSchema } from '../alerts/config.ts';
import { collectorConfigSchema } from '../collector/config.ts';
import { EnvExpansionError, expandEnv } from '../core/env-expand.ts';
import { opsConfigSchema } from '../core/ops-config.ts';
import { redisConfigSchema } from '../core/redis-config.ts';
import { evaluatorsConfigSchema, judgesConfigSchema, workerConfigSchema } from '../evaluators/config.ts';
import { samplingConfigSchema } from '../intake/sampling/config.ts';
import { scoreExportConfigSchema } from '../evaluators/export/config.ts';
import { clickhouseConfigSchema } from '../storage/config.ts';

export { redisConfigSchema };

/**
 * The whole config file, composed here in `cli/` (the one place that knows every stage): every
 * stage owns its section's schema and is handed only that section.
 */
export const configSchema = z
  .object({
    /** Where the embedded ClickHouse, the child Redis and the disk spool keep their data. Default `./data`. */
    data_dir: z.string().default('./data'),
    /** pino level: fatal, error, warn, info, debug, trace, silent. Default info. */
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    collector: collectorConfigSchema.prefault({}),
    clickhouse: clickhouseConfigSchema.prefault({}),
    redis: redisConfigSchema.prefault({}),
    sampling: samplingConfigSchema.prefault({}),
    worker: workerConfigSchema.prefault({}),
    evaluators: evaluatorsConfigSchema.prefault({}),
    judges: judgesConfigSchema.prefault({}),
    alerts: alertsConfigSchema.prefault({}),
    ops: opsConfigSchema.prefault({}),
    grafana: grafanaConfigSchema.prefault({}),
    score_export: scoreExportConfigSchema.prefault({}),
  })
  .strict();

/** The validated config, with the deprecated keys it was given (each a sentence to log at start). */
export type AssayConfig = z.output<typeof configSchema> & { readonly deprecations: readonly string[] };
export type AssayConfigInput = z.input<typeof configSchema>;

/** Raised when the config file is missing, unreadable or invalid; the message names each bad key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Keys that moved, read from their old place for one release: `[old path, new path]`. The
 * document is rewritten before validation, so the schema knows only the new place.
 */
const MOVED_KEYS: ReadonlyArray<readonly [from: readonly string[], to: readonly string[]]> = [
  [['sampling', 'worker'], ['worker']],
];

type Doc = Record<string, unknown>;
const isDoc = (v: unknown): v is Doc => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Moves every deprecated key to its new place; both places set is an error naming them. */
function moveDeprecatedKeys(input: unknown, source: string): { doc: unknown; deprecations: string[] } {
  const deprecations: string[] = [];
  if (!isDoc(input)) return { doc: input, deprecations };
  const doc: Doc = structuredClone(input);
  for (const [from, to] of MOVED_KEYS) {
    const parent = from.slice(0, -1).reduce<unknown>((d, k) => (isDoc(d) ? d[k] : undefined), doc);
    const key = from.at(-1) as string;
    if (!isDoc(parent) || parent[key] === undefined) continue;
    const target = to.slice(0, -1).reduce<Doc>((d, k) => (isDoc(d[k]) ? d[k] : (d[k] = {})), doc);
    const newKey = to.at(-1) as string;
    if (target[newKey] !== undefined)
      throw new ConfigError(
        `invalid ${source}:\n  ${from.join('.')}: deprecated and ${to.join('.')} is set too; keep only ${to.join('.')}`,
      );
    target[newKey] = parent[key];
    delete parent[key];
    deprecations.push(
      `${from.join('.')} is deprecated and will stop being read in the next release: move it to ${to.join('.')}`,
    );
  }
  return { doc, deprecations };
}

/** Validates a parsed config object; the error lists every bad key by its dotted path. */
export function parseConfig(input: unknown, source = 'config'): AssayConfig {
  const { doc, deprecations } = moveDeprecatedKeys(input ?? {}, source);
  const result = configSchema.safeParse(doc);
  if (result.success) return { ...result.data, deprecations };
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    return `  ${path}: ${issue.message}`;
  });
  throw new ConfigError(`invalid ${source}:\n${lines.join('\n')}`);
}

/**
 * Reads the YAML file named by `--config` or `ASSAY_CONFIG`, expanding `${NAME}` and
 * `${NAME:-default}` in its string values from the environment (core/env-expand.ts); no file →
 * all defaults.
 */
export function loadConfig(
  path: string | undefined = process.env['ASSAY_CONFIG'],
  env: NodeJS.ProcessEnv = process.env,
): AssayConfig {
  if (!path) return parseConfig(withEnvOverrides({}, env), 'config (environment)');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(err as Error).message}`);
  }
  try {
    doc = expandEnv(doc, env);
  } catch (err) {
    if (err instanceof EnvExpansionError) throw new ConfigError(`config file ${path}: ${err.message}`);
    throw err;
  }
  return parseConfig(withEnvOverrides(doc, env), `config file ${path}`);
}

/**
 * Settings the environment overrides, validated by the same schema as the file:
 * `ASSAY_LOG_LEVEL` → `log_level` (a bad value fails the start naming `log_level`).
 */
export function withEnvOverrides(doc: unknown, env: NodeJS.ProcessEnv = process.env): unknown {
  const level = env['ASSAY_LOG_LEVEL'];
  if (level === undefined || level === '') return doc;
  const base = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  return { ...base, log_level: level };
}
