import type { AttrValue, Attributes } from '../span.ts';

/** A non-empty string value, else undefined (numbers are not model names). */
export function str(v: AttrValue | undefined): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** A finite number, also from a numeric string (some SDKs stringify counts). */
export function num(v: AttrValue | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/**
 * Message attributes arrive as JSON strings or as structured values (OTLP kvlist/array).
 * Parses the string form; anything that is not JSON-looking, or fails to parse, stays as is.
 */
export function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const c = v.trimStart()[0];
  if (c !== '[' && c !== '{') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `obj[key]` when obj is a plain object, else undefined. */
export function field(obj: unknown, key: string): unknown {
  return isRecord(obj) ? obj[key] : undefined;
}

/**
 * Groups flattened list attributes (`<prefix><N>.<rest>`, N digits only) by index, in index
 * order: `llm.input_messages.0.message.role` → `[{ 'message.role': … }]`. Keys whose index is
 * not all digits (`gen_ai.prompt.name`, a new-convention metadata key) are not list items.
 */
export function indexed(attrs: Attributes, prefix: string): Array<Record<string, AttrValue>> {
  const byIndex = new Map<number, Record<string, AttrValue>>();
  for (const key in attrs) {
    if (!key.startsWith(prefix)) continue;
    const dot = key.indexOf('.', prefix.length);
    if (dot <= prefix.length) continue;
    const idx = key.slice(prefix.length, dot);
    if (!/^\d{1,6}$/.test(idx)) continue;
    const n = Number(idx);
    let item = byIndex.get(n);
    if (!item) byIndex.set(n, (item = Object.create(null) as Record<string, AttrValue>));
    item[key.slice(dot + 1)] = attrs[key] as AttrValue;
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);
}
