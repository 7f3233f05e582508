import { describe, expect, it } from 'vitest';
import { jsonSchema } from './json-schema.ts';
import { paramsError, runCheck } from '../../test/support/checks.ts';

const refundSchema = {
  schema: {
    type: 'object',
    required: ['refund_id', 'amount'],
    properties: { refund_id: { type: 'string', pattern: '^r-' }, amount: { type: 'number', minimum: 0 } },
    additionalProperties: false,
  },
};

describe('json_schema', () => {
  it.each([
    ['a matching object', '{"refund_id": "r-1", "amount": 19.99}', true, 'JSON matches the schema'],
    [
      'a matching object in a fence',
      '```json\n{"refund_id": "r-9", "amount": 0}\n```',
      true,
      'JSON matches the schema',
    ],
    [
      'a missing field',
      '{"refund_id": "r-1"}',
      false,
      "schema violation: (root) must have required property 'amount'",
    ],
    [
      'a wrong type',
      '{"refund_id": "r-1", "amount": "19.99"}',
      false,
      'schema violation: /amount must be number',
    ],
    [
      'an extra field',
      '{"refund_id": "r-1", "amount": 1, "note": "x"}',
      false,
      'schema violation: (root) must NOT have additional properties (note)',
    ],
    [
      'a pattern mismatch',
      '{"refund_id": "refund-1", "amount": 1}',
      false,
      'schema violation: /refund_id must match pattern "^r-"',
    ],
    [
      'an array instead of an object',
      '[{"refund_id": "r-1", "amount": 1}]',
      false,
      'schema violation: (root) must be object',
    ],
    ['invalid JSON', '{"refund_id": "r-1", amount: 1}', false, undefined],
    ['prose', 'Your refund r-1 of 19.99 was issued.', false, 'answer is not JSON'],
  ])('%s', (_name, response, passed, reason) => {
    const r = runCheck(jsonSchema, response, refundSchema);
    expect(r?.passed).toBe(passed);
    if (reason) expect(r?.reason).toBe(reason);
  });

  it('with require_json: false, prose is not applicable', () => {
    expect(
      runCheck(jsonSchema, 'Your refund was issued.', { ...refundSchema, require_json: false }),
    ).toBeNull();
  });

  it('accepts a schema with $id (compiled once per config)', () => {
    const params = { schema: { $id: 'https://acme.example/refund', type: 'object' } };
    expect(runCheck(jsonSchema, '{}', params)?.passed).toBe(true);
    expect(runCheck(jsonSchema, '{}', params)?.passed).toBe(true);
  });

  it('rejects a missing or invalid schema at load', () => {
    expect(paramsError(jsonSchema, {})).toMatch(/^schema/);
    expect(paramsError(jsonSchema, { schema: { type: 'objekt' } })).toMatch(/^schema: invalid JSON Schema/);
    expect(paramsError(jsonSchema, { schema: { type: 'object', requried: ['a'] } })).toMatch(
      /unknown keyword.*requried/,
    );
    expect(paramsError(jsonSchema, { schema: { type: 'object' }, strict: true })).toMatch(
      /unrecognized key/i,
    );
  });
});
