import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ALL,
  PINNED_PLUGIN_VERSION,
  PLUGIN_MACROS,
  expandMacros,
  expandTimeMacros,
} from './support/grafana-macros.ts';

const from = new Date('2026-03-01T10:00:00.250Z');
const to = new Date('2026-03-01T16:00:00.999Z');
const fromS = 1772359200;
const toS = 1772380800;
const ctx = (variables: Record<string, string | string[]> = {}, intervalSeconds = 60) => ({
  from,
  to,
  intervalSeconds,
  variables,
});

describe('expandTimeMacros (the plugin backend, reference §1.4)', () => {
  it.each([
    ['$__timeFilter(ts)', `ts >= toDateTime(${fromS}) AND ts <= toDateTime(${toS})`],
    [
      '$__timeFilter_ms(ts)',
      `ts >= fromUnixTimestamp64Milli(${from.getTime()}) AND ts <= fromUnixTimestamp64Milli(${to.getTime()})`,
    ],
    ['$__timeFrom(ts)', `ts >= toDateTime(${fromS})`],
    ['$__timeTo(ts)', `ts <= toDateTime(${toS})`],
    ['$__fromTime', `toDateTime(${fromS})`],
    ['$__toTime_ms', `fromUnixTimestamp64Milli(${to.getTime()})`],
    ['$__timeInterval(ts)', 'toStartOfInterval(toDateTime(ts), INTERVAL 60 second)'],
    ['$__timeInterval_ms(ts)', 'toStartOfInterval(toDateTime64(ts, 3), INTERVAL 60000 millisecond)'],
    ['INTERVAL $__interval_s second', 'INTERVAL 60 second'],
  ])('%s', (sql, expected) => {
    expect(expandTimeMacros(sql, ctx())).toBe(expected);
  });

  it('never lets the interval drop below one second', () => {
    expect(expandTimeMacros('$__interval_s', ctx({}, 0.2))).toBe('1');
  });

  it('expands nested parentheses and several uses in one statement', () => {
    const out = expandTimeMacros(
      '$__timeInterval(toDateTime(a, 3)) x WHERE $__timeFilter(b) OR $__timeFilter(c)',
      ctx(),
    );
    expect(out).toBe(
      `toStartOfInterval(toDateTime(toDateTime(a, 3)), INTERVAL 60 second) x WHERE b >= toDateTime(${fromS}) AND b <= toDateTime(${toS}) OR c >= toDateTime(${fromS}) AND c <= toDateTime(${toS})`,
    );
  });
});

describe('expandMacros (conditional All, then variables, then time macros)', () => {
  const cond = '$__conditionalAll(provider IN (${provider:singlequote}), $provider)';

  it('drops a conditional filter to 1=1 when the variable is All or empty', () => {
    expect(expandMacros(`WHERE ${cond}`, ctx({ provider: ALL }))).toBe('WHERE 1=1');
    expect(expandMacros(`WHERE ${cond}`, ctx({ provider: [ALL] }))).toBe('WHERE 1=1');
    expect(expandMacros(`WHERE ${cond}`, ctx({ provider: [] }))).toBe('WHERE 1=1');
  });

  it('keeps the condition with quoted values otherwise', () => {
    expect(expandMacros(`WHERE ${cond}`, ctx({ provider: ['openai', 'anthropic'] }))).toBe(
      "WHERE provider IN ('openai','anthropic')",
    );
  });

  it('formats values like Grafana: raw single value, quoted multi value, singlequote and sqlstring escaping', () => {
    const vars = { one: "o'k", many: ['a', "b'c"] };
    expect(expandMacros('$one ${one}', ctx(vars))).toBe("o'k o'k");
    expect(expandMacros('($many)', ctx(vars))).toBe("('a','b'c')");
    expect(expandMacros('${many:singlequote}', ctx(vars))).toBe("'a','b\\'c'");
    expect(expandMacros('${many:sqlstring}', ctx(vars))).toBe("'a','b''c'");
  });

  it('substitutes every option for All outside a conditional, and refuses when they are unknown', () => {
    const sql = 'provider IN (${provider:singlequote})';
    expect(expandMacros(sql, { ...ctx({ provider: ALL }), allValues: { provider: ['x', 'y'] } })).toBe(
      "provider IN ('x','y')",
    );
    expect(() => expandMacros(sql, ctx({ provider: ALL }))).toThrow(/All/);
  });

  it('rejects a reference to a variable that does not exist', () => {
    expect(() => expandMacros('route = $route', ctx({}))).toThrow(/unknown template variable \$route/);
  });

  it('leaves built-in macros to the time stage', () => {
    expect(expandMacros('$__timeFilter(ts) AND p = $p', ctx({ p: 'x' }))).toBe(
      `ts >= toDateTime(${fromS}) AND ts <= toDateTime(${toS}) AND p = x`,
    );
  });
});

describe('the macros of the pinned plugin version, and no other', () => {
  it('docker-compose.yml installs the plugin version whose macros the expander reproduces', () => {
    const compose = readFileSync(join(import.meta.dirname, '..', 'docker-compose.yml'), 'utf8');
    const pins = [...compose.matchAll(/grafana-clickhouse-datasource@([\w.-]+)/g)].map((m) => m[1]);
    expect(pins.length).toBeGreaterThan(0);
    expect(new Set(pins)).toEqual(new Set([PINNED_PLUGIN_VERSION]));
  });

  it('fails on a macro the plugin does not have, naming the version', () => {
    expect(() => expandMacros('WHERE $__timeFilterr(ts)', ctx())).toThrow(
      `$__timeFilterr is not a macro of grafana-clickhouse-datasource ${PINNED_PLUGIN_VERSION}`,
    );
    expect(() => expandTimeMacros('$__unixEpochFilter(ts)', ctx())).toThrow(/not a macro/);
  });

  it('fails on a macro of the plugin that it cannot reproduce, instead of leaving it unexpanded', () => {
    const unreproduced = Object.entries(PLUGIN_MACROS).filter(([, ok]) => !ok);
    expect(unreproduced.length).toBeGreaterThan(0);
    for (const [name] of unreproduced)
      expect(() => expandMacros(`SELECT $__${name}(ts, 5m)`, ctx())).toThrow(/does not reproduce/);
  });

  it('leaves no $__ behind for any macro it reproduces', () => {
    for (const [name, ok] of Object.entries(PLUGIN_MACROS)) {
      if (!ok || name === 'conditionalAll') continue;
      expect(expandMacros(`SELECT $__${name}(ts)`, ctx())).not.toContain('$__');
    }
  });
});
