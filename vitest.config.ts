import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Test files that say `// long-running:` in their first lines start first. Vitest orders files
 * by their last durations, but a fresh clone (CI) has none and it falls back to file size, so a
 * short file that waits out a 30-second outage would start last and run alone at the end.
 */
class LongRunningFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const long = new Set(
      sorted.filter((f) => /^\/\/ long-running:/m.test(readFileSync(f.moduleId, 'utf8').slice(0, 2000))),
    );
    return [...sorted.filter((f) => long.has(f)), ...sorted.filter((f) => !long.has(f))];
  }
}

// Unit tests sit beside the code and need no server. Integration tests live in test/ and start
// real things (embedded ClickHouse, redis-server, Alertmanager), so they run in forks, with
// generous timeouts, and never in parallel with each other inside one file.
export default defineConfig({
  test: {
    sequence: { sequencer: LongRunningFirst },
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{core,collector,intake,evaluators,alerts,storage,dashboards,cli,instrument}/**/*.test.ts',
          ],
          environment: 'node',
          // One module graph for all unit files: importing it afresh per file cost 50 of the run's
          // 75 s. Module state (the metrics registry, caches) carries over from file to file, so a
          // test reads metrics as deltas; the files pass in shuffled orders.
          isolate: false,
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
