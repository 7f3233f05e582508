import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { z } from 'zod';
import { extractJson, parseJson } from './json-text.ts';
import { fail, pass, splitStorageMarker } from './text.ts';
import type { CheckDefinition } from './types.ts';

/**
 * One Ajv instance per compiled schema: a schema carrying an `$id` cannot be added twice to one
 * instance. Unknown keywords are errors (a typo like `requried` would otherwise check nothing);
 * `format` is not validated (no ajv-formats) and loosely typed schemas are accepted.
 */
function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  const ajv = new Ajv({
    allErrors: false,
    strictSchema: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    validateFormats: false,
    logger: false,
  });
  return ajv.compile(schema);
}

export const jsonSchemaConfigSchema = z
  .object({
    /** The JSON Schema (draft-07 keywords, compiled by Ajv 8) the answer must satisfy. Required. */
    schema: z.record(z.string(), z.unknown()).superRefine((schema, ctx) => {
      try {
        compileSchema(schema);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `invalid JSON Schema: ${(err as Error).message}` });
      }
    }),
    /**
     * A prose answer (no JSON attempted) fails: the route is configured to answer in JSON.
     * Default true; false → such answers are not applicable.
     */
    require_json: z.boolean().default(true),
  })
  .strict();

export type JsonSchemaConfig = z.output<typeof jsonSchemaConfigSchema>;

function describeError(err: ErrorObject | undefined): string {
  if (!err) return 'does not match the schema';
  const where = err.instancePath || '(root)';
  const extra =
    typeof err.params['additionalProperty'] === 'string' ? ` (${err.params['additionalProperty']})` : '';
  return `${where} ${err.message ?? 'is invalid'}${extra}`;
}

/** The answer's JSON satisfies the route's JSON Schema; the first violation is the reason. */
export const jsonSchema: CheckDefinition<JsonSchemaConfig> = {
  id: 'json_schema',
  version: '1',
  description: "The answer's JSON satisfies a configured JSON Schema.",
  configSchema: jsonSchemaConfigSchema,
  requiresParams: true,
  create(config) {
    const validate = compileSchema(config.schema);
    return (input) => {
      if (input.status === 'error') return null;
      const { text, dropped } = splitStorageMarker(input.response);
      if (dropped > 0) return null;
      const candidate = extractJson(text);
      if (!candidate) {
        if (!config.require_json || input.finish_reason === 'tool_call') return null;
        return fail('answer is not JSON');
      }
      const parsed = parseJson(candidate.source);
      if (!parsed.ok) return fail(`invalid JSON: ${parsed.error}`);
      if (validate(parsed.value)) return pass('JSON matches the schema');
      return fail(`schema violation: ${describeError(validate.errors?.[0])}`);
    };
  },
};
