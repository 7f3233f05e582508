import type { AttrValue, Attributes, Scope } from '../span.ts';
import {
  LEN,
  I64,
  VARINT,
  checkEnd,
  readBase64,
  readInt64,
  readString,
  skipField,
  subEnd,
  tag,
  type Reader,
} from './proto-wire.ts';
import { OtlpDecodeError } from './decode-error.ts';

// Field numbers from opentelemetry/proto/common/v1/common.proto (see proto/).
const ANY_STRING = tag(1, LEN);
const ANY_BOOL = tag(2, VARINT);
const ANY_INT = tag(3, VARINT);
const ANY_DOUBLE = tag(4, I64);
const ANY_ARRAY = tag(5, LEN);
const ANY_KVLIST = tag(6, LEN);
const ANY_BYTES = tag(7, LEN);
const LIST_VALUES = tag(1, LEN); // ArrayValue.values and KeyValueList.values
const KV_KEY = tag(1, LEN);
const KV_VALUE = tag(2, LEN);
const SCOPE_NAME = tag(1, LEN);
const SCOPE_VERSION = tag(2, LEN);
const RESOURCE_ATTRIBUTES = tag(1, LEN);

/**
 * Deepest AnyValue nesting accepted. Real attributes nest a few levels; a hostile body could
 * otherwise nest until the stack overflows.
 */
export const MAX_DEPTH = 32;

/** An attribute object: null prototype, so keys like `__proto__` stay plain data. */
export const newAttributes = (): Attributes => Object.create(null) as Attributes;

/**
 * One AnyValue. An unset oneof (and the profiles-only `string_value_strindex`, meaningless
 * outside profiles) decodes to null.
 */
export function readAnyValue(r: Reader, end: number, depth: number): AttrValue {
  if (depth > MAX_DEPTH)
    throw new OtlpDecodeError(`invalid protobuf: AnyValue nested deeper than ${MAX_DEPTH} levels`);
  let value: AttrValue = null;
  while (r.pos < end) {
    const t = r.uint32();
    switch (t) {
      case ANY_STRING:
        value = readString(r);
        break;
      case ANY_BOOL:
        value = r.bool();
        break;
      case ANY_INT:
        value = readInt64(r);
        break;
      case ANY_DOUBLE:
        value = r.double();
        break;
      case ANY_ARRAY:
        value = readArray(r, subEnd(r), depth);
        break;
      case ANY_KVLIST:
        value = readKeyValues(r, subEnd(r), newAttributes(), depth + 1);
        break;
      case ANY_BYTES:
        value = readBase64(r);
        break;
      default:
        skipField(r, t);
    }
  }
  checkEnd(r, end, 'AnyValue');
  return value;
}

function readArray(r: Reader, end: number, depth: number): AttrValue[] {
  const out: AttrValue[] = [];
  while (r.pos < end) {
    const t = r.uint32();
    if (t === LIST_VALUES) out.push(readAnyValue(r, subEnd(r), depth + 1));
    else skipField(r, t);
  }
  checkEnd(r, end, 'ArrayValue');
  return out;
}

/** A KeyValueList's body into `into` (repeated keys: the last wins, as in a map). */
function readKeyValues(r: Reader, end: number, into: Attributes, depth: number): Attributes {
  while (r.pos < end) {
    const t = r.uint32();
    if (t === LIST_VALUES) readKeyValue(r, subEnd(r), into, depth);
    else skipField(r, t);
  }
  checkEnd(r, end, 'KeyValueList');
  return into;
}

/** Where {@link readKeyLazily} leaves the value's byte range (`end` 0: no value). */
export const lazyValue = { start: 0, end: 0 };

/**
 * One `KeyValue` message's key, with its value's byte range left undecoded in
 * {@link lazyValue} (no allocation per attribute): for {@link readValueAt} once the caller knows
 * it wants it.
 */
export function readKeyLazily(r: Reader, end: number): string {
  let key = '';
  lazyValue.start = 0;
  lazyValue.end = 0;
  while (r.pos < end) {
    const t = r.uint32();
    if (t === KV_KEY) key = readString(r);
    else if (t === KV_VALUE) {
      lazyValue.end = subEnd(r);
      lazyValue.start = r.pos;
      r.pos = lazyValue.end;
    } else skipField(r, t);
  }
  checkEnd(r, end, 'KeyValue');
  return key;
}

/** The AnyValue at [start, end) of the reader's buffer; the reader's position is kept. */
export function readValueAt(r: Reader, start: number, end: number): AttrValue {
  if (end === 0) return null;
  const pos = r.pos;
  r.pos = start;
  try {
    return readAnyValue(r, end, 0);
  } finally {
    r.pos = pos;
  }
}

/** One `KeyValue` message into `into`. A missing value is stored as null. */
export function readKeyValue(r: Reader, end: number, into: Attributes, depth = 0): void {
  let key = '';
  let value: AttrValue = null;
  while (r.pos < end) {
    const t = r.uint32();
    if (t === KV_KEY) key = readString(r);
    else if (t === KV_VALUE) value = readAnyValue(r, subEnd(r), depth);
    else skipField(r, t);
  }
  checkEnd(r, end, 'KeyValue');
  into[key] = value;
}

/** A `Resource` message's attributes into `into`. */
export function readResource(r: Reader, end: number, into: Attributes): void {
  while (r.pos < end) {
    const t = r.uint32();
    if (t === RESOURCE_ATTRIBUTES) readKeyValue(r, subEnd(r), into);
    else skipField(r, t);
  }
  checkEnd(r, end, 'Resource');
}

/** An `InstrumentationScope` into `into` (its attributes are not part of `Scope`). */
export function readScope(r: Reader, end: number, into: Scope): void {
  while (r.pos < end) {
    const t = r.uint32();
    if (t === SCOPE_NAME) into.name = readString(r);
    else if (t === SCOPE_VERSION) into.version = readString(r);
    else skipField(r, t);
  }
  checkEnd(r, end, 'InstrumentationScope');
}
