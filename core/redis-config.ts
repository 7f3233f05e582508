import { z } from 'zod';

/** The `redis` section: the queue's Redis, or the `redis-server` child Assay starts. */
export const redisConfigSchema = z
  .object({
    /** `redis://…` URL. Absent → a `redis-server` child process under `data_dir`. */
    url: z.string().optional(),
    /** Port for the child `redis-server` when `url` is absent. Default 6379. */
    port: z.number().int().min(0).max(65535).default(6379),
    /** BullMQ key prefix; use `{assay}` on Redis Cluster. Default `assay`. */
    prefix: z.string().default('assay'),
  })
  .strict();

export type RedisConfig = z.output<typeof redisConfigSchema>;
