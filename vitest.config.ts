import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code and need no server. Integration tests live in test/ and start
// real things (embedded ClickHouse, redis-server, Alertmanager), so they run in forks, with
// generous timeouts, and never in parallel with each other inside one file.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{core,collector,intake,evaluators,alerts,storage,dashboards,cli,instrument}/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
