import type { AttrValue, Attributes } from '../span.ts';
import { OtlpDecodeError } from './decode-error.ts';
import { MAX_DEPTH, newAttributes } from './proto-values.ts';

/**
 * OTLP/JSON value rules (opentelemetry-proto `docs/specification.md`, "JSON Protobuf Encoding"):
 * ids are case-insensitive hex, 64-bit integers arrive as decimal strings or numbers, enums as
 * integers, `bytesValue` as base64, unknown fields are ignored.
 *
 * Wrong types never throw here: a converter returns a {@link Bad} with the reason, and the
 * caller decides — an attribute with a bad value is dropped (the span keeps its other data), a
 * bad id, timestamp or enum rejects the span.
 */
export class Bad {
  constructor(readonly reason: string) {}
}

export type JsonObject = Record<string, unknown>;

/** Thrown to reject the item being decoded with a reason; caught once per item. */
export class Reject extends Error {}

/** Unwraps a converted field, rejecting the item when it was {@link Bad}. */
export function ok<T>(v: T | Bad): T {
  if (v instanceof Bad) throw new Reject(v.reason);
  return v;
}

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const HEX = /^[0-9a-fA-F]*$/;
const UNSIGNED = /^\d+$/;
const SIGNED = /^-?\d+$/;
const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** A trace/span id: '' when absent, else lower-case hex (length is checked by the caller). */
export function jsonId(v: unknown, field: string): string | Bad {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' || !HEX.test(v)) return new Bad(`${field} must be a hex string`);
  return v.toLowerCase();
}

/** A fixed64 `*UnixNano` field as fractional milliseconds; absent is 0. */
export function jsonNanosToMs(v: unknown, field: string): number | Bad {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v / 1e6;
  if (typeof v === 'string' && UNSIGNED.test(v)) return Number(v) / 1e6;
  return new Bad(`${field} must be an unsigned integer (decimal string or number)`);
}

/** An enum: an integer (the spec), an integer string, or — leniently — the proto value name. */
export function jsonEnum(v: unknown, field: string, names: Readonly<Record<string, number>>): number | Bad {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    if (SIGNED.test(v)) return Number(v);
    const named = names[v];
    if (named !== undefined) return named;
  }
  return new Bad(`${field} must be an integer enum value`);
}

/** A string field; absent is ''. */
export function jsonString(v: unknown, field: string): string | Bad {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : new Bad(`${field} must be a string`);
}

function jsonInt(v: unknown): number | Bad {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && SIGNED.test(v)) return Number(v);
  return new Bad('intValue must be an integer (decimal string or number)');
}

function jsonDouble(v: unknown): number | Bad {
  if (typeof v === 'number') return v;
  // proto3 JSON spells the non-finite doubles as strings.
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return new Bad('doubleValue must be a number');
}

function jsonBytes(v: unknown): string | Bad {
  if (typeof v !== 'string' || !BASE64.test(v)) return new Bad('bytesValue must be base64');
  // Stored as standard base64, whichever alphabet the producer used.
  return Buffer.from(v, 'base64').toString('base64');
}

function jsonList(v: unknown, field: string): unknown[] | Bad {
  if (!isObject(v)) return new Bad(`${field} must be an object`);
  const values = v['values'];
  if (values === undefined || values === null) return [];
  return Array.isArray(values) ? values : new Bad(`${field}.values must be an array`);
}

/** One AnyValue object. An empty object (unset oneof) is null. */
export function jsonAnyValue(v: unknown, depth = 0): AttrValue | Bad {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) return new Bad('value must be an AnyValue object');
  // The whole request is refused (400), as over protobuf: such a body is an attack, not one bad attribute.
  if (depth > MAX_DEPTH)
    throw new OtlpDecodeError(`invalid JSON: AnyValue nested deeper than ${MAX_DEPTH} levels`);
  if ('stringValue' in v)
    return typeof v['stringValue'] === 'string' ? v['stringValue'] : new Bad('stringValue must be a string');
  if ('boolValue' in v)
    return typeof v['boolValue'] === 'boolean' ? v['boolValue'] : new Bad('boolValue must be a boolean');
  if ('intValue' in v) return jsonInt(v['intValue']);
  if ('doubleValue' in v) return jsonDouble(v['doubleValue']);
  if ('bytesValue' in v) return jsonBytes(v['bytesValue']);
  if ('arrayValue' in v) {
    const list = jsonList(v['arrayValue'], 'arrayValue');
    if (list instanceof Bad) return list;
    const out: AttrValue[] = [];
    for (const item of list) {
      const value = jsonAnyValue(item, depth + 1);
      if (value instanceof Bad) return value;
      out.push(value);
    }
    return out;
  }
  if ('kvlistValue' in v) {
    const list = jsonList(v['kvlistValue'], 'kvlistValue');
    if (list instanceof Bad) return list;
    const out = newAttributes();
    const bad = jsonKeyValues(list, out, depth + 1);
    return bad ?? out;
  }
  return null;
}

/** KeyValue entries into `into`; the first bad entry is returned (used inside kvlists, all-or-nothing). */
function jsonKeyValues(list: unknown[], into: Attributes, depth: number): Bad | undefined {
  for (const kv of list) {
    if (!isObject(kv) || typeof kv['key'] !== 'string')
      return new Bad('kvlistValue entries need a string key');
    const value = jsonAnyValue(kv['value'], depth);
    if (value instanceof Bad) return new Bad(`${JSON.stringify(kv['key'])}: ${value.reason}`);
    into[kv['key']] = value;
  }
  return undefined;
}

/**
 * An `attributes` list. Entries that are malformed or carry a wrongly typed value are dropped
 * one by one and reported through `drop`, so one bad attribute does not lose the span.
 */
export function jsonAttributes(list: unknown, where: string, drop: (reason: string) => void): Attributes {
  const out = newAttributes();
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) {
    drop(`${where}: attributes must be an array`);
    return out;
  }
  for (const kv of list) {
    if (!isObject(kv) || typeof kv['key'] !== 'string') {
      drop(`${where}: attribute entries need a string key`);
      continue;
    }
    const value = jsonAnyValue(kv['value']);
    if (value instanceof Bad)
      drop(`${where}: attribute ${JSON.stringify(kv['key'])} dropped: ${value.reason}`);
    else out[kv['key']] = value;
  }
  return out;
}
