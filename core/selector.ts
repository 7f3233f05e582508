import { z } from 'zod';

/**
 * Which calls a rule applies to: each present field is a glob (`*` any run of characters,
 * `?` one character) matched against the call's dimension; absent fields match everything.
 * Shared by sampling strata, evaluator rules and judge rules so they read the same way.
 */
export const selectorSchema = z
  .object({
    service: z.string().optional(),
    provider: z.string().optional(),
    route: z.string().optional(),
    model: z.string().optional(),
  })
  .strict();

export type Selector = z.output<typeof selectorSchema>;

export interface Dimensions {
  service: string;
  provider: string;
  route: string;
  model: string;
}

const cache = new Map<string, RegExp>();

function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    const body = glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${body}$`);
    cache.set(glob, re);
  }
  return re;
}

/** True when every field present in `selector` matches the call's dimension. */
export function matches(selector: Selector | undefined, dims: Dimensions): boolean {
  if (!selector) return true;
  for (const key of ['service', 'provider', 'route', 'model'] as const) {
    const pattern = selector[key];
    if (pattern !== undefined && !globToRegExp(pattern).test(dims[key])) return false;
  }
  return true;
}
