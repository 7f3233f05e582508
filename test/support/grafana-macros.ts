/**
 * The expansion a Grafana panel query goes through before it reaches ClickHouse, reproduced so
 * tests can run every dashboard query against a real engine. Order matters and follows the
 * plugin: the frontend first resolves `$__conditionalAll` (`CHDatasource.applyConditionalAll`),
 * then Grafana's template service interpolates variables (with the plugin's `format`, which
 * quotes multi-value arrays as `'a','b'`), then the backend expands the time macros
 * (`pkg/macros/macros.go`, `reference/grafana-clickhouse-bullmq-webhooks.md` §1.4), for the plugin
 * version the stack pins, and refuses any other macro (see {@link PLUGIN_MACROS}).
 */

/** The plugin version `docker-compose.yml` installs (`GF_PLUGINS_PREINSTALL`); a test holds them equal. */
export const PINNED_PLUGIN_VERSION = '4.20.0';

/**
 * Every macro of grafana-clickhouse-datasource {@link PINNED_PLUGIN_VERSION}, from its
 * `pkg/macros/macros.go` (macropro engine since 4.19.0, sqlds interpolator since 4.20.0) and
 * the frontend's `CHDatasource.applyConditionalAll`, as listed in
 * `reference/grafana-clickhouse-bullmq-webhooks.md` §1.4. `true`: this expander reproduces it;
 * `false`: the plugin has it but the expander does not (a dashboard using one fails the test
 * rather than being expanded wrongly). Anything else after `$__` is not a macro of that version.
 */
export const PLUGIN_MACROS: Readonly<Record<string, boolean>> = {
  conditionalAll: true,
  timeFilter: true,
  timeFilter_ms: true,
  timeFrom: true,
  timeTo: true,
  fromTime: true,
  toTime: true,
  fromTime_ms: true,
  toTime_ms: true,
  timeInterval: true,
  timeInterval_ms: true,
  interval_s: true,
  interval_ms: true,
  dateFilter: false,
  dateTimeFilter: false,
  dt: false,
  timeGroup: false,
  adHocFilters: false,
  table: false,
  column: false,
  interval: false,
  columns: false,
  rateColumns: false,
  perSecondColumns: false,
  increaseColumns: false,
  lttb: false,
};

/** Refuses a `$__name` that the pinned plugin does not have, or that this expander cannot expand. */
export function checkMacros(sql: string): void {
  for (const m of sql.matchAll(/\$__(\w+)/g)) {
    const name = m[1] as string;
    if (name === 'all') continue; // `$__all`, the All sentinel, not a macro
    const known = PLUGIN_MACROS[name];
    if (known === undefined)
      throw new Error(`$__${name} is not a macro of grafana-clickhouse-datasource ${PINNED_PLUGIN_VERSION}`);
    if (!known)
      throw new Error(`$__${name} is a macro of the plugin that this test expander does not reproduce`);
  }
}

/** The sentinel value Grafana stores when a variable's "All" option is selected. */
export const ALL = '$__all';

/** What the panel is being rendered for. */
export interface ExpandContext {
  /** Dashboard range start. */
  from: Date;
  /** Dashboard range end. */
  to: Date;
  /** The panel's interval in seconds (Grafana computes it from width and range). */
  intervalSeconds: number;
  /** Current value of each template variable: one string, or several for a multi-value variable. */
  variables: Record<string, string | string[]>;
  /**
   * Every option of each variable, which Grafana substitutes when "All" is selected and the
   * variable is used outside `$__conditionalAll`. Default: none (such a use throws).
   */
  allValues?: Record<string, string[]>;
}

/** Expands conditional-All, template variables and the plugin's time macros, in the plugin's order. */
export function expandMacros(sql: string, ctx: ExpandContext): string {
  checkMacros(sql);
  const conditional = applyConditionalAll(sql, ctx.variables);
  const interpolated = interpolateVariables(conditional, ctx);
  return expandTimeMacros(interpolated, ctx);
}

const CONDITIONAL_ALL = '$__conditionalAll(';

/** `$__conditionalAll(cond, $var)` → `cond`, or `1=1` when `$var` is All or empty. */
export function applyConditionalAll(sql: string, variables: ExpandContext['variables']): string {
  let out = sql;
  // The plugin walks from the last occurrence backwards so nested uses resolve inside-out.
  for (let at = out.lastIndexOf(CONDITIONAL_ALL); at !== -1; at = out.lastIndexOf(CONDITIONAL_ALL)) {
    const args = macroArgs(out, at + CONDITIONAL_ALL.length - 1);
    if (!args || args.args.length !== 2)
      throw new Error(`$__conditionalAll needs 2 arguments at offset ${at}`);
    const [cond = '', ref = ''] = args.args;
    const name = /\$\{(\w+)\}|\$(\w+)/.exec(ref.trim());
    const varName = name?.[1] ?? name?.[2];
    if (!varName)
      throw new Error(`$__conditionalAll second argument must be a plain $variable, got "${ref}"`);
    const phrase = isAllOrEmpty(variables[varName]) ? '1=1' : cond;
    out = out.slice(0, at) + phrase + out.slice(args.end);
  }
  return out;
}

function isAllOrEmpty(value: string | string[] | undefined): boolean {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text === '' || text === ALL;
}

/** Splits `(a, f(b, c))` at top-level commas; `end` is the index after the closing bracket. */
function macroArgs(sql: string, openAt: number): { args: string[]; end: number } | undefined {
  const args: string[] = [];
  let depth = 0;
  let start = openAt + 1;
  for (let i = openAt; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (ch === ',' && depth === 1) {
      args.push(sql.slice(start, i));
      start = i + 1;
    }
    if (depth === 0) {
      args.push(sql.slice(start, i));
      return { args, end: i + 1 };
    }
  }
  return undefined;
}

// `${name}`, `${name:format}` or `$name`; `$__…` names are built-ins and macros, left alone.
const VARIABLE = /\$\{(\w+)(?::(\w+))?\}|\$(?!__)(\w+)/g;

/** Grafana's template interpolation with the ClickHouse plugin's default formatter. */
export function interpolateVariables(sql: string, ctx: ExpandContext): string {
  return sql.replace(
    VARIABLE,
    (match, braced: string | undefined, fmt: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      if (name.startsWith('__')) return match;
      const raw = ctx.variables[name];
      if (raw === undefined) throw new Error(`unknown template variable $${name}`);
      return formatValue(resolveAll(name, raw, ctx), fmt);
    },
  );
}

function resolveAll(name: string, raw: string | string[], ctx: ExpandContext): string | string[] {
  const isAll = Array.isArray(raw) ? raw.length === 1 && raw[0] === ALL : raw === ALL;
  if (!isAll) return raw;
  const all = ctx.allValues?.[name];
  if (!all)
    throw new Error(`variable $${name} is All but used outside $__conditionalAll and no values are known`);
  return all;
}

function formatValue(value: string | string[], fmt: string | undefined): string {
  const values = Array.isArray(value) ? value : [value];
  switch (fmt) {
    case undefined:
      // The plugin's `format`: arrays become a quoted list, a single value is inserted raw.
      return Array.isArray(value) ? `'${values.join("','")}'` : value;
    case 'singlequote':
      return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'sqlstring':
      return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
    case 'csv':
    case 'raw':
      return values.join(',');
    case 'doublequote':
      return values.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
    default:
      throw new Error(`unsupported variable format :${fmt}`);
  }
}

/** The backend's time macros, exactly as `pkg/macros/macros.go` writes them. */
export function expandTimeMacros(
  sql: string,
  ctx: Pick<ExpandContext, 'from' | 'to' | 'intervalSeconds'>,
): string {
  checkMacros(sql);
  const fromS = Math.floor(ctx.from.getTime() / 1000);
  const toS = Math.floor(ctx.to.getTime() / 1000);
  const fromMs = ctx.from.getTime();
  const toMs = ctx.to.getTime();
  const intervalS = Math.max(Math.floor(ctx.intervalSeconds), 1);
  const intervalMs = Math.max(Math.floor(ctx.intervalSeconds * 1000), 1);
  const fns: Record<string, (args: string[]) => string> = {
    timeFilter_ms: ([c]) =>
      `${c} >= fromUnixTimestamp64Milli(${fromMs}) AND ${c} <= fromUnixTimestamp64Milli(${toMs})`,
    timeFilter: ([c]) => `${c} >= toDateTime(${fromS}) AND ${c} <= toDateTime(${toS})`,
    timeFrom: ([c]) => `${c} >= toDateTime(${fromS})`,
    timeTo: ([c]) => `${c} <= toDateTime(${toS})`,
    timeInterval_ms: ([c]) => `toStartOfInterval(toDateTime64(${c}, 3), INTERVAL ${intervalMs} millisecond)`,
    timeInterval: ([c]) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${intervalS} second)`,
  };
  let out = sql;
  for (const [name, fn] of Object.entries(fns)) out = replaceCalls(out, `$__${name}(`, fn);
  return out
    .replace(/\$__fromTime_ms\b/g, `fromUnixTimestamp64Milli(${fromMs})`)
    .replace(/\$__toTime_ms\b/g, `fromUnixTimestamp64Milli(${toMs})`)
    .replace(/\$__fromTime\b/g, `toDateTime(${fromS})`)
    .replace(/\$__toTime\b/g, `toDateTime(${toS})`)
    .replace(/\$__interval_s\b/g, String(intervalS))
    .replace(/\$__interval_ms\b/g, String(intervalMs));
}

function replaceCalls(sql: string, head: string, fn: (args: string[]) => string): string {
  let out = sql;
  for (let at = out.lastIndexOf(head); at !== -1; at = out.lastIndexOf(head, at - 1)) {
    const parsed = macroArgs(out, at + head.length - 1);
    if (!parsed) throw new Error(`unclosed ${head}) at offset ${at}`);
    out = out.slice(0, at) + fn(parsed.args.map((a) => a.trim())) + out.slice(parsed.end);
    if (at === 0) break;
  }
  return out;
}
