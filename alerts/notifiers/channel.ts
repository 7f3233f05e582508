import { z } from 'zod';
import { durationSchema } from '../../core/duration.ts';

/** Names rules and channels are known by (they become labels and file names). */
export const nameSchema = z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only');

/** What every channel has, whatever its type. */
const channelBase = {
  /** Name rules refer to in `channels`. */
  name: nameSchema,
  /** Per-attempt HTTP timeout. Default `10s`. */
  timeout: durationSchema.default(10_000),
  /** Attempts per notification (429/5xx/network errors are retried with backoff). Default 5. */
  max_attempts: z.number().int().min(1).max(20).default(5),
  /** Notifications waiting for this channel at most; older ones are dropped (counted). Default 1000. */
  queue_size: z.number().int().positive().default(1000),
};

/** A channel type's config schema: the shared keys, `type`, and the type's own keys (strict). */
export function channelSchema<T extends string, S extends z.ZodRawShape>(type: T, own: S) {
  return z.object({ ...channelBase, type: z.literal(type), ...own }).strict();
}

/** A destination URL (http or https). */
export const urlSchema = z.string().url();
