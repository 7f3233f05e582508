import { z } from 'zod';
import { durationSchema } from './duration.ts';

/** TLS towards Redis (managed services, a cluster across hosts). */
const redisTlsSchema = z
  .object({
    /** Connect with TLS. Default false (a `rediss://` URL turns it on as well). */
    enabled: z.boolean().default(false),
    /** PEM file of the CA that signed the servers' certificates. Default: the system's CAs. */
    ca_file: z.string().optional(),
    /** Name checked against the certificate (SNI). Default: the host connected to. */
    servername: z.string().optional(),
    /** Refuse a certificate that does not verify. Default true. */
    reject_unauthorized: z.boolean().default(true),
  })
  .strict();

/** A Redis Cluster: seed nodes; the rest of the cluster is discovered from them (`CLUSTER SLOTS`). */
const redisClusterSchema = z
  .object({
    /** `host:port` of some nodes (masters or replicas); one that answers is enough to start. */
    nodes: z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'))
      .min(1, 'name at least one seed node'),
  })
  .strict();

/** `redis.socket_timeout`'s default, also for a target given as a URL (the child `redis-server`). */
export const DEFAULT_SOCKET_TIMEOUT_MS = 20_000;

/** `{tag}`: the part of a key Redis Cluster hashes, so every key under the prefix has one slot. */
const HASH_TAG = /\{[^{}]+\}/;

/** The `redis` section: the queue's Redis (one server or a cluster), or the `redis-server` child Assay starts. */
export const redisConfigSchema = z
  .object({
    /** `redis://…` / `rediss://…` URL of one server. Absent (and no `cluster`) → a `redis-server` child under `data_dir`. */
    url: z.string().optional(),
    /** A Redis Cluster instead of one server. Absent → not a cluster. */
    cluster: redisClusterSchema.optional(),
    /** ACL user. Default: none (the `default` user). */
    username: z.string().optional(),
    /** Password (`${REDIS_PASSWORD}` from the environment); for a cluster, every node's. Default: none, or the URL's. */
    password: z.string().optional(),
    /** TLS. Default off. */
    tls: redisTlsSchema.optional(),
    /**
     * A connection with commands waiting that receives nothing for this long is dropped and made
     * again, and its commands sent again (ioredis `socketTimeout`): a server or proxy that
     * accepts and never answers, or a path that silently drops packets, would otherwise hold
     * every role's commands until TCP gives up (about 15 minutes on Linux). Longer than the
     * queue's blocking reads (BullMQ blocks at most 10 s). Default `20s`.
     */
    socket_timeout: durationSchema
      .refine(
        (ms) => ms > 10_000,
        'must be longer than 10s: a worker waits up to 10 s for a job on a quiet queue',
      )
      .default(DEFAULT_SOCKET_TIMEOUT_MS),
    /** Port for the child `redis-server` when `url` is absent. Default 6379. */
    port: z.number().int().min(0).max(65535).default(6379),
    /**
     * Prefix of every key Assay writes (the BullMQ queue, judge spend and cache, locks, alert
     * state). Default `assay`, or `{assay}` with `cluster`: on a cluster it must hold a hash tag
     * (`{…}`), so that BullMQ's multi-key scripts and Assay's own keys land in one slot.
     */
    prefix: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.url !== undefined && c.cluster !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['cluster'],
        message: 'set either redis.url or redis.cluster, not both',
      });
    if (c.cluster !== undefined && c.prefix !== undefined && !HASH_TAG.test(c.prefix))
      ctx.addIssue({
        code: 'custom',
        path: ['prefix'],
        message: `on Redis Cluster the prefix needs a hash tag, such as {${c.prefix}}, so the queue’s keys share one slot`,
      });
  })
  .transform((c) => ({ ...c, prefix: c.prefix ?? (c.cluster ? '{assay}' : 'assay') }));

export type RedisConfig = z.output<typeof redisConfigSchema>;
