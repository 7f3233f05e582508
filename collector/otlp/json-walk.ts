import type { Resource, Scope } from '../span.ts';
import { OtlpDecodeError } from './decode-error.ts';
import { isObject, jsonAttributes, type JsonObject } from './json-values.ts';
import { newAttributes } from './proto-values.ts';

/** The three nesting levels of an OTLP/JSON export request, named per signal. */
export interface JsonLevels {
  resource: 'resourceSpans' | 'resourceLogs';
  scope: 'scopeSpans' | 'scopeLogs';
  items: 'spans' | 'logRecords';
}

/** `JSON.parse` of the body; anything but a JSON object is not an export request. */
export function parseJsonBody(body: Uint8Array): JsonObject {
  let root: unknown;
  try {
    root = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(root)) throw new OtlpDecodeError('request body must be a JSON object');
  return root;
}

/** An optional repeated field: absent is empty; anything but an array breaks the request shape. */
function list(parent: JsonObject, key: string, path: string): unknown[] {
  const v = parent[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${path}${key} must be an array`);
  return v;
}

function objectAt(v: unknown, path: string): JsonObject {
  if (!isObject(v)) throw new OtlpDecodeError(`${path} must be an object`);
  return v;
}

function scopeOf(v: unknown): Scope {
  if (!isObject(v)) return { name: '', version: '' };
  const { name, version } = v;
  return { name: typeof name === 'string' ? name : '', version: typeof version === 'string' ? version : '' };
}

/**
 * Walks resource → scope → item. A wrong shape above the items (e.g. `resourceSpans` not an
 * array) makes the whole body undecodable and throws; each item is handed to `visit` with the
 * shared resource and scope, and its path for error messages.
 */
export function walkJson(
  root: JsonObject,
  levels: JsonLevels,
  visit: (item: unknown, resource: Resource, scope: Scope, path: string) => void,
  drop: (reason: string) => void,
): void {
  list(root, levels.resource, '').forEach((rv, i) => {
    const rPath = `${levels.resource}[${i}]`;
    const r = objectAt(rv, rPath);
    const resourceJson = r['resource'];
    const resource: Resource = {
      attributes: isObject(resourceJson)
        ? jsonAttributes(resourceJson['attributes'], `${rPath}.resource`, drop)
        : newAttributes(),
    };
    list(r, levels.scope, `${rPath}.`).forEach((sv, j) => {
      const sPath = `${rPath}.${levels.scope}[${j}]`;
      const s = objectAt(sv, sPath);
      const scope = scopeOf(s['scope']);
      list(s, levels.items, `${sPath}.`).forEach((item, k) =>
        visit(item, resource, scope, `${sPath}.${levels.items}[${k}]`),
      );
    });
  });
}
