import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { classifyRedisError } from './queue-redis.ts';
import { createRedisClient, describeRedisTarget } from './redis-client.ts';
import { redisConfigSchema } from './redis-config.ts';

describe('createRedisClient', () => {
  it('builds a cluster client from seed nodes with the password and TLS on every node', () => {
    const ca = join(mkdtempSync(join(tmpdir(), 'assay-redis-ca-')), 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const section = redisConfigSchema.parse({
      cluster: { nodes: ['10.0.0.1:6379', 'redis-2.internal:6380'] },
      password: 's3cret',
      tls: { enabled: true, ca_file: ca, servername: 'redis.internal' },
    });
    const client = createRedisClient(section, { maxRetriesPerRequest: null, lazyConnect: true });
    try {
      expect(client).toBeInstanceOf(Cluster);
      const c = client as Cluster;
      // The seed nodes as given (ioredis keeps them in a private field).
      expect((c as unknown as { startupNodes: unknown }).startupNodes).toEqual([
        { host: '10.0.0.1', port: 6379 },
        { host: 'redis-2.internal', port: 6380 },
      ]);
      const node = c.options.redisOptions ?? {};
      expect(node.password).toBe('s3cret');
      expect(node.maxRetriesPerRequest).toBeNull();
      expect(node.tls).toMatchObject({ servername: 'redis.internal', rejectUnauthorized: true });
      expect(String(node.tls?.ca)).toContain('BEGIN CERTIFICATE');
      // Certificates name hosts: the cluster keeps the names instead of resolving them.
      expect(c.options.dnsLookup).toBeTypeOf('function');
    } finally {
      client.disconnect();
    }
  });

  it('keeps a URL’s own password unless the section sets one, which then wins', () => {
    const plain = createRedisClient('redis://:from-url@127.0.0.1:1', {
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    });
    const over = createRedisClient(
      { url: 'redis://:from-url@127.0.0.1:1', password: 'from-env' },
      { maxRetriesPerRequest: 1, lazyConnect: true },
    );
    const added = createRedisClient(
      { url: 'redis://127.0.0.1:1/2', username: 'assay', password: 'from-env' },
      { maxRetriesPerRequest: 1, lazyConnect: true },
    );
    try {
      expect(plain).toBeInstanceOf(Redis);
      expect((plain as Redis).options.password).toBe('from-url');
      expect((over as Redis).options.password).toBe('from-env');
      expect((added as Redis).options).toMatchObject({ username: 'assay', password: 'from-env', db: 2 });
    } finally {
      for (const c of [plain, over, added]) c.disconnect();
    }
  });

  it('names a target without its credentials', () => {
    expect(describeRedisTarget('redis://:pw@10.0.0.1:6379')).toBe('Redis at redis://***@10.0.0.1:6379');
    expect(describeRedisTarget({ cluster: { nodes: ['a:1', 'b:2'] }, password: 'pw' })).toBe(
      'Redis Cluster (a:1, b:2)',
    );
  });
});

describe('classifyRedisError', () => {
  it('retries what passes while a cluster fails over, by the reply’s error kind', () => {
    const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });
    expect(classifyRedisError(reply('CLUSTERDOWN The cluster is down'))).toBe('retryable');
    expect(classifyRedisError(reply('TRYAGAIN Multiple keys request during rehashing of slot'))).toBe(
      'retryable',
    );
    expect(classifyRedisError(reply('READONLY You can’t write against a read only replica.'))).toBe(
      'retryable',
    );
    expect(classifyRedisError(reply('CROSSSLOT Keys in request don’t hash to the same slot'))).toBe(
      'permanent',
    );
    expect(classifyRedisError(reply('OOM command not allowed when used memory > maxmemory'))).toBe(
      'permanent',
    );
  });
});
