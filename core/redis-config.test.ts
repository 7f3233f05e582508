import { describe, expect, it } from 'vitest';
import { redisConfigSchema } from './redis-config.ts';

describe('the redis section', () => {
  it('defaults the prefix to assay, and to the hash-tagged {assay} on a cluster', () => {
    expect(redisConfigSchema.parse({}).prefix).toBe('assay');
    expect(redisConfigSchema.parse({ cluster: { nodes: ['10.0.0.1:6379'] } }).prefix).toBe('{assay}');
    expect(redisConfigSchema.parse({ cluster: { nodes: ['r1:6379'] }, prefix: 'team-{a}' }).prefix).toBe(
      'team-{a}',
    );
  });

  it('refuses a cluster prefix without a hash tag, a cluster beside a url, and bad seed nodes', () => {
    const issues = (input: unknown): string[] => {
      const r = redisConfigSchema.safeParse(input);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ cluster: { nodes: ['r1:6379'] }, prefix: 'assay' })).toEqual([
      'prefix: on Redis Cluster the prefix needs a hash tag, such as {assay}, so the queue’s keys share one slot',
    ]);
    expect(issues({ cluster: { nodes: ['r1:6379'] }, prefix: '{}' })[0]).toMatch(/^prefix:/);
    expect(issues({ url: 'redis://r:6379', cluster: { nodes: ['r1:6379'] } })).toEqual([
      'cluster: set either redis.url or redis.cluster, not both',
    ]);
    expect(issues({ cluster: { nodes: [] } })[0]).toMatch(/^cluster\.nodes: name at least one/);
    expect(issues({ cluster: { nodes: ['redis://r1'] } })[0]).toMatch(
      /^cluster\.nodes\.0: expected host:port/,
    );
  });

  it('takes TLS and credentials', () => {
    const c = redisConfigSchema.parse({
      url: 'rediss://r:6380',
      username: 'assay',
      password: 's3cret',
      tls: { enabled: true },
    });
    expect(c.tls).toEqual({ enabled: true, reject_unauthorized: true });
    expect(c.username).toBe('assay');
  });

  it('takes socket_timeout as a duration, 20 s by default', () => {
    expect(redisConfigSchema.parse({}).socket_timeout).toBe(20_000);
    expect(redisConfigSchema.parse({ socket_timeout: '45s' }).socket_timeout).toBe(45_000);
    const r = redisConfigSchema.safeParse({ socket_timeout: 'soon' });
    expect(r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'socket_timeout: invalid duration "soon" (expected a number and a unit: ms, s, m, h, d)',
    ]);
    const short = redisConfigSchema.safeParse({ socket_timeout: '5s' });
    expect(short.success ? [] : short.error.issues.map((i) => i.message)).toEqual([
      'must be longer than 10s: a worker waits up to 10 s for a job on a quiet queue',
    ]);
  });
});
