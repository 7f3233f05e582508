import { createRedisClient } from '../../core/redis-client.ts';
import { createAlerter } from '../../alerts/alerter.ts';
import type { Runtime } from '../runtime.ts';
import type { Role } from './role.ts';

/** Every `alerts.interval`: test each rule's series, move alert states, notify channels. */
export async function startAlerterRole(rt: Runtime): Promise<Role> {
  const { config, logger } = rt;
  if (!rt.redis)
    throw new Error('the alerter needs Redis (redis.url, redis.cluster, or redis-server on PATH)');
  const redis = createRedisClient(rt.redis, { maxRetriesPerRequest: 3 });
  const alerter = createAlerter({ config, clickhouse: rt.clickhouse, redis, logger, now: rt.now });
  await alerter.start();
  let stopped: Promise<void> | undefined;
  return {
    name: 'alerter',
    shutdown: () =>
      (stopped ??= (async () => {
        await alerter.shutdown();
        redis.disconnect();
      })()),
  };
}
