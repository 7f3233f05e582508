/**
 * `${NAME}` and `${NAME:-default}` in the string values of a parsed config document, so secrets
 * (passwords, API keys, webhook URLs) come from the environment instead of the file. Expansion
 * runs on parsed values, never on the YAML text, so a value may hold any character. `$${` is a
 * literal `${`. Keys, numbers and booleans are left alone: a value that needs a variable is a
 * string (`password: ${ASSAY_CLICKHOUSE_PASSWORD}`).
 */

/** A reference to an unset variable without a default, or a malformed reference. */
export class EnvExpansionError extends Error {
  override name = 'EnvExpansionError';
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Expands one string; `path` names the config key in errors (`clickhouse.password`). */
export function expandString(value: string, env: NodeJS.ProcessEnv, path: string): string {
  return value.replace(REFERENCE, (match: string, inner: string | undefined) => {
    if (match === '$${') return '${';
    if (inner === undefined)
      throw new EnvExpansionError(`${path}: unterminated \${ in ${JSON.stringify(value)}`);
    const sep = inner.indexOf(':-');
    const name = sep < 0 ? inner : inner.slice(0, sep);
    if (!NAME.test(name))
      throw new EnvExpansionError(
        `${path}: \${${inner}} is not a variable reference (\${NAME} or \${NAME:-default})`,
      );
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (sep >= 0) return inner.slice(sep + 2);
    throw new EnvExpansionError(
      `${path}: environment variable ${name} is not set (use \${${name}:-default} for a default)`,
    );
  });
}

/** A copy of `doc` with every string value expanded; the first error names its key path. */
export function expandEnv(doc: unknown, env: NodeJS.ProcessEnv = process.env, path = ''): unknown {
  if (typeof doc === 'string') return expandString(doc, env, path || '(root)');
  if (Array.isArray(doc)) return doc.map((v, i) => expandEnv(v, env, `${path}[${i}]`));
  if (doc !== null && typeof doc === 'object')
    return Object.fromEntries(
      Object.entries(doc).map(([k, v]) => [k, expandEnv(v, env, path ? `${path}.${k}` : k)]),
    );
  return doc;
}
