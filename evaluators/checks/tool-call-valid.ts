import { z } from 'zod';
import { parseJson } from './json-text.ts';
import { fail, pass, splitStorageMarker } from './text.ts';
import { describeSchemaError, SchemaCache } from './tool-schemas.ts';
import type { CheckDefinition, CheckResult, NotApplicable } from './types.ts';

export const toolCallValidConfigSchema = z
  .object({
    /** Compiled tool schemas kept (least recently used evicted). Default 256. */
    cache_size: z.number().int().min(1).max(100_000).default(256),
    /** A tool's parameter schema longer than this (JSON characters) is not compiled: not applicable. Default 65536. */
    max_schema_chars: z.number().int().min(16).default(65_536),
  })
  .strict();

export type ToolCallValidConfig = z.output<typeof toolCallValidConfigSchema>;

interface StoredToolCall {
  name: string;
  /** Absent when content capture was off. */
  arguments?: string;
}

interface StoredDefinition {
  name: string;
  parameters?: unknown;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `tool_calls` column: `[{name, arguments?}]`; anything else reads as none. */
function callsOf(json: string | undefined): StoredToolCall[] {
  if (!json) return [];
  const parsed = parseJson(json);
  if (!parsed.ok || !Array.isArray(parsed.value)) return [];
  return parsed.value.flatMap((c) =>
    isObj(c) && typeof c['name'] === 'string'
      ? [{ name: c['name'], ...(typeof c['arguments'] === 'string' ? { arguments: c['arguments'] } : {}) }]
      : [],
  );
}

/** The `tool_definitions` column: `[{name, description?, parameters?}]`, by name. */
function definitionsOf(json: string | undefined): Map<string, StoredDefinition> {
  const defs = new Map<string, StoredDefinition>();
  if (!json) return defs;
  const parsed = parseJson(json);
  if (!parsed.ok || !Array.isArray(parsed.value)) return defs;
  for (const d of parsed.value)
    if (isObj(d) && typeof d['name'] === 'string' && !defs.has(d['name']))
      defs.set(d['name'], { name: d['name'], parameters: d['parameters'] });
  return defs;
}

const notApplicable = (code: string, reason: string): NotApplicable => ({
  applicable: false,
  code,
  reason: `not applicable: ${reason}`,
});

type OneCall = { ok: true; checked: boolean } | { ok: false; result: CheckResult } | NotApplicable;

/**
 * Every tool call of the answer names a tool that was offered, and its arguments are JSON that
 * validates against that tool's parameter schema. Arguments that storage truncated, redaction
 * broke, or capture left out, and tools stored without their schema (over
 * `capture.max_chars`), are checked by name only.
 */
export const toolCallValid: CheckDefinition<ToolCallValidConfig> = {
  id: 'tool_call_valid',
  version: '2',
  description: "Every tool call names an offered tool and its arguments satisfy that tool's JSON Schema.",
  configSchema: toolCallValidConfigSchema,
  requiresParams: false,
  create(config) {
    const cache = new SchemaCache(config.cache_size, config.max_schema_chars);

    const checkOne = (call: StoredToolCall, defs: Map<string, StoredDefinition>): OneCall => {
      const def = defs.get(call.name);
      if (!def) {
        const offered = [...defs.keys()].slice(0, 8).join(', ');
        return { ok: false, result: fail(`tool "${call.name}" was not offered (offered: ${offered})`) };
      }
      if (call.arguments === undefined || def.parameters === undefined || def.parameters === null)
        return { ok: true, checked: false };
      if (splitStorageMarker(call.arguments).dropped > 0) return { ok: true, checked: false };
      const raw = call.arguments.trim() === '' ? '{}' : call.arguments;
      const args = parseJson(raw);
      if (!args.ok) {
        if (raw.includes('[REDACTED:')) return { ok: true, checked: false };
        return {
          ok: false,
          result: fail(`tool "${call.name}": arguments are not valid JSON: ${args.error}`),
        };
      }
      const compiled = cache.get(def.parameters);
      if (!compiled.ok)
        return notApplicable(
          compiled.problem.code,
          `the schema of tool "${call.name}" cannot be used (${compiled.problem.detail})`,
        );
      let valid: boolean;
      try {
        valid = compiled.validate(args.value);
      } catch (err) {
        // A `$ref` cycle with no data to consume (`{"$ref": "#"}`) recurses until the stack ends.
        if (err instanceof RangeError)
          return notApplicable(
            'tool_schema_ref_loop',
            `the schema of tool "${call.name}" recurses without end ($ref loop)`,
          );
        throw err;
      }
      if (valid) return { ok: true, checked: true };
      return {
        ok: false,
        result: fail(`tool "${call.name}": ${describeSchemaError(compiled.validate.errors?.[0])}`),
      };
    };

    return (input) => {
      if (input.status === 'error') return null;
      const calls = callsOf(input.tool_calls);
      if (calls.length === 0) return null;
      const defs = definitionsOf(input.tool_definitions);
      if (defs.size === 0) return null;
      let checked = 0;
      let skip: NotApplicable | undefined;
      for (const call of calls) {
        const one = checkOne(call, defs);
        if ('applicable' in one) {
          skip ??= one;
          continue;
        }
        if (!one.ok) return { ...one.result, score: 0, tool: call.name };
        if (one.checked) checked++;
      }
      // A definite failure of another call wins over a schema that could not be used.
      if (skip) return skip;
      const names = [...new Set(calls.map((c) => c.name))].join(', ');
      const what =
        checked === calls.length
          ? 'arguments match their schemas'
          : `${checked} of ${calls.length} with arguments checked against a schema`;
      return {
        ...pass(`${calls.length} tool call(s) of offered tools (${names}); ${what}`),
        tool: calls[0]?.name ?? '',
      };
    };
  },
};
