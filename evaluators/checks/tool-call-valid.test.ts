import { describe, expect, it } from 'vitest';
import { runCheck, runCheckOutcome } from '../../test/support/checks.ts';
import { SchemaCache } from './tool-schemas.ts';
import { toolCallValid } from './tool-call-valid.ts';

// The weather tool of the OpenAI function-calling guide, as the collector stores a definition.
const WEATHER = {
  name: 'get_weather',
  description: 'Get current temperature for a given location.',
  parameters: {
    type: 'object',
    properties: {
      location: { type: 'string', description: 'City and country e.g. Bogotá, Colombia' },
      units: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    },
    required: ['location'],
    additionalProperties: false,
  },
};
const SEARCH = {
  name: 'search_docs',
  parameters: { type: 'object', properties: { query: { type: 'string' } } },
};
const defs = (...d: unknown[]) => JSON.stringify(d);
const calls = (...c: Array<{ name: string; arguments?: string }>) => JSON.stringify(c);

const run = (tool_calls: string, tool_definitions = defs(WEATHER, SEARCH), params = {}) =>
  runCheckOutcome(
    toolCallValid,
    { finish_reason: 'tool_call', response: '', tool_calls, tool_definitions },
    params,
  );

describe('tool_call_valid', () => {
  it.each([
    ['one valid call', calls({ name: 'get_weather', arguments: '{"location":"Paris, France"}' })],
    [
      'two valid calls, keys in any order',
      calls(
        { name: 'get_weather', arguments: '{"units":"celsius","location":"Oslo"}' },
        { name: 'search_docs', arguments: '{"query":"refund policy"}' },
      ),
    ],
    ['empty arguments for a tool without required fields', calls({ name: 'search_docs', arguments: '' })],
    ['arguments not captured (names only)', calls({ name: 'get_weather' })],
    [
      'arguments cut by storage',
      calls({ name: 'get_weather', arguments: '{"location":"Par…[truncated 120 chars]' }),
    ],
  ])('passes %s', (_name, toolCalls) => {
    expect(run(toolCalls)).toMatchObject({ passed: true, confidence: 1, tool: expect.any(String) });
  });

  it.each([
    [
      'a tool that was not offered',
      calls({ name: 'get_forecast', arguments: '{"location":"Paris"}' }),
      'tool "get_forecast" was not offered (offered: get_weather, search_docs)',
      'get_forecast',
    ],
    [
      'arguments that are not JSON',
      calls({ name: 'get_weather', arguments: "{location: 'Paris'}" }),
      'tool "get_weather": arguments are not valid JSON',
      'get_weather',
    ],
    [
      'a missing required argument',
      calls({ name: 'get_weather', arguments: '{"units":"celsius"}' }),
      'tool "get_weather": (root) must have required property \'location\'',
      'get_weather',
    ],
    [
      'a value outside the enum',
      calls({ name: 'get_weather', arguments: '{"location":"Rome","units":"kelvin"}' }),
      'tool "get_weather": /units must be equal to one of the allowed values ("celsius", "fahrenheit")',
      'get_weather',
    ],
    [
      'an argument the schema forbids',
      calls({ name: 'get_weather', arguments: '{"location":"Rome","city":"Rome"}' }),
      'tool "get_weather": (root) must NOT have additional properties (city)',
      'get_weather',
    ],
    [
      'the second of two calls wrong',
      calls(
        { name: 'search_docs', arguments: '{"query":"x"}' },
        { name: 'get_weather', arguments: '{"location":42}' },
      ),
      'tool "get_weather": /location must be string',
      'get_weather',
    ],
  ])('fails %s, naming the tool and the first error', (_name, toolCalls, reason, tool) => {
    const r = run(toolCalls);
    expect(r).toMatchObject({ passed: false, score: 0, confidence: 1, tool });
    expect(r?.reason).toContain(reason);
  });

  it('reads Gemini declarations (upper-case OpenAPI types) as the JSON Schema they mean', () => {
    const gemini = {
      name: 'get_weather',
      parameters: { type: 'OBJECT', properties: { location: { type: 'STRING' } }, required: ['location'] },
    };
    expect(run(calls({ name: 'get_weather', arguments: '{"location":"Lyon"}' }), defs(gemini))).toMatchObject(
      {
        passed: true,
      },
    );
    expect(run(calls({ name: 'get_weather', arguments: '{"location":7}' }), defs(gemini))).toMatchObject({
      passed: false,
    });
  });

  it("reads an array's enum as the values of its items (BFCL live_simple_71-35-0's definition)", () => {
    // bench/quality/datasets/bfcl-tool-calls (Apache-2.0), the metrics property as BFCL declares it.
    const extract = {
      name: 'extract_parameters_v1',
      parameters: {
        type: 'object',
        required: ['targets', 'metrics'],
        properties: {
          targets: { type: 'array', items: { type: 'string' } },
          metrics: {
            type: 'array',
            items: { type: 'string' },
            enum: [
              'favorability',
              'admired employer',
              'buzz',
              'community impact',
              'purchasing consideration',
              'trust',
              'usage frequency',
              'value',
              'promoter',
              'view',
            ],
          },
        },
      },
    };
    const call = (metrics: string[]) =>
      run(
        calls({
          name: 'extract_parameters_v1',
          arguments: JSON.stringify({ targets: ['brand:Apple'], metrics }),
        }),
        defs(extract),
      );
    expect(call(['view'])).toMatchObject({ passed: true });
    expect(call(['trust', 'buzz'])).toMatchObject({ passed: true });
    const wrong = call(['views']);
    expect(wrong).toMatchObject({ passed: false });
    expect(wrong?.reason).toContain('/metrics/0 must be equal to one of the allowed values');
  });

  it('is not applicable without tool calls, without definitions, or on a failed call', () => {
    expect(run('')).toBeNull();
    expect(run(calls({ name: 'get_weather', arguments: '{}' }), '')).toBeNull();
    expect(
      runCheck(toolCallValid, {
        status: 'error',
        tool_calls: calls({ name: 'x', arguments: '{}' }),
        tool_definitions: defs(WEATHER),
      }),
    ).toBeNull();
  });

  it.each([
    [
      'an invalid JSON Schema (BFCL-style "dict" type)',
      { type: 'dict', properties: { location: { type: 'string' } } },
      'invalid_tool_schema',
      /^not applicable: the schema of tool "t" cannot be used \(schema is invalid: data\/type must be/,
    ],
    [
      'a $ref loop between definitions',
      {
        definitions: { a: { $ref: '#/definitions/b' }, b: { $ref: '#/definitions/a' } },
        $ref: '#/definitions/a',
      },
      'tool_schema_ref_loop',
      /^not applicable: the schema of tool "t" cannot be used \(\$ref recursion too deep\)/,
    ],
    [
      'a schema that refers to itself with nothing to consume',
      { $ref: '#' },
      'tool_schema_ref_loop',
      /^not applicable: the schema of tool "t" recurses without end/,
    ],
    [
      'a reference to nothing',
      { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } },
      'invalid_tool_schema',
      /can't resolve reference #\/\$defs\/missing/,
    ],
    [
      'a huge schema',
      {
        type: 'object',
        properties: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`p${i}`, { type: 'string' }])),
      },
      'tool_schema_too_large',
      /^not applicable: the schema of tool "t" cannot be used \(\d+ characters, over 65536\)/,
    ],
  ])('says why it cannot check a call of a tool with %s', (_name, parameters, code, reason) => {
    const r = run(calls({ name: 't', arguments: '{"a":1}' }), defs({ name: 't', parameters }));
    expect(r).toMatchObject({ applicable: false, code });
    expect(r && 'reason' in r ? r.reason : '').toMatch(reason);
  });

  it('still fails a call of another tool when one schema cannot be used', () => {
    const r = run(
      calls({ name: 't', arguments: '{}' }, { name: 'nope', arguments: '{}' }),
      defs({ name: 't', parameters: { type: 'dict' } }),
    );
    expect(r).toMatchObject({ passed: false, tool: 'nope' });
  });

  it('keeps at most cache_size compiled schemas and compiles a repeated one once', () => {
    const cache = new SchemaCache(2, 1000);
    const a = { type: 'object' };
    expect(cache.get(a)).toBe(cache.get({ type: 'object' }));
    for (let i = 0; i < 10; i++) cache.get({ type: 'object', properties: { [`p${i}`]: { type: 'string' } } });
    expect(cache.held).toBe(2);
  });
});
