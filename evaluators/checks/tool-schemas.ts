import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** Why a tool's parameter schema cannot be used; the `code` is a metric label. */
export interface SchemaProblem {
  code: 'invalid_tool_schema' | 'tool_schema_too_large' | 'tool_schema_ref_loop';
  detail: string;
}

/** A compiled schema, or why there is none. */
export type CompiledSchema = { ok: true; validate: ValidateFunction } | { ok: false; problem: SchemaProblem };

const JSON_TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

const isScalar = (v: unknown): boolean => v === null || typeof v !== 'object';

/**
 * Gemini / Vertex function declarations are OpenAPI 3 subsets whose types are proto enum names
 * (`OBJECT`, `STRING`): lower-cased here so they compile as the JSON Schema they mean. `$schema`
 * is dropped: the schemas are checked with draft-07 keywords whatever meta-schema they name
 * (Zod and the AI SDK emit draft-07, Pydantic 2020-12 with the same keywords in practice).
 *
 * An `enum` of strings or numbers on an `array` (`{"type": "array", "items": {"type": "string"},
 * "enum": ["trust", "view"]}`, as in BFCL's live function definitions) can never be met as
 * written — no array equals a string — and means the values its items may take: it is moved
 * into `items`.
 */
function normalise(schema: unknown, depth = 0): unknown {
  if (depth > 64 || typeof schema !== 'object' || schema === null) return schema;
  if (Array.isArray(schema)) return schema.map((s) => normalise(s, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$schema' && depth === 0) continue;
    if (k === 'type' && typeof v === 'string' && JSON_TYPES.has(v.toLowerCase())) out[k] = v.toLowerCase();
    else out[k] = normalise(v, depth + 1);
  }
  const items = out['items'];
  const itemsEnum =
    out['type'] === 'array' &&
    Array.isArray(out['enum']) &&
    out['enum'].length > 0 &&
    out['enum'].every(isScalar) &&
    (items === undefined ||
      (typeof items === 'object' && items !== null && !Array.isArray(items) && !('enum' in items)));
  if (itemsEnum) {
    out['items'] = { ...(items as Record<string, unknown> | undefined), enum: out['enum'] };
    delete out['enum'];
  }
  return out;
}

function compile(schema: unknown): CompiledSchema {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    return { ok: false, problem: { code: 'invalid_tool_schema', detail: 'the schema is not an object' } };
  // One instance per schema: an instance caches every schema it compiled (unbounded), and two
  // schemas with the same `$id` cannot share one. Unknown keywords (OpenAPI's `nullable`,
  // `example`) are ignored rather than fatal: producers' schemas carry them.
  const ajv = new Ajv({
    allErrors: false,
    strict: false,
    validateFormats: false,
    logger: false,
  });
  try {
    return { ok: true, validate: ajv.compile(normalise(schema) as Record<string, unknown>) };
  } catch (err) {
    if (err instanceof RangeError)
      return { ok: false, problem: { code: 'tool_schema_ref_loop', detail: '$ref recursion too deep' } };
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, problem: { code: 'invalid_tool_schema', detail: message.slice(0, 160) } };
  }
}

/**
 * Compiled tool schemas, keyed by their JSON text, least recently used evicted past `size`:
 * an agent offers the same few tools on every call, so each schema compiles once, and a
 * producer sending a new schema per call cannot grow memory without bound. Failures are cached
 * too, so a bad schema costs one compile.
 */
export class SchemaCache {
  private readonly entries = new Map<string, CompiledSchema>();

  constructor(
    private readonly size: number,
    private readonly maxChars: number,
  ) {}

  get(schema: unknown): CompiledSchema {
    const key = JSON.stringify(schema) ?? '';
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const compiled: CompiledSchema =
      key.length > this.maxChars
        ? {
            ok: false,
            problem: {
              code: 'tool_schema_too_large',
              detail: `${key.length} characters, over ${this.maxChars}`,
            },
          }
        : compile(schema);
    this.entries.set(key, compiled);
    if (this.entries.size > this.size) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return compiled;
  }

  /** Compiled schemas held (for tests). */
  get held(): number {
    return this.entries.size;
  }
}

/** Ajv's first error as `<path> <message>`, e.g. `/unit must be equal to one of the allowed values`. */
export function describeSchemaError(err: ErrorObject | undefined): string {
  if (!err) return 'does not match the schema';
  const where = err.instancePath || '(root)';
  const p = err.params;
  const extra =
    typeof p['additionalProperty'] === 'string'
      ? ` (${p['additionalProperty']})`
      : Array.isArray(p['allowedValues'])
        ? ` (${p['allowedValues'].map((v) => JSON.stringify(v)).join(', ')})`
        : '';
  return `${where} ${err.message ?? 'is invalid'}${extra}`;
}
