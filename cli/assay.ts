#!/usr/bin/env node
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, type AssayConfig } from './config.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { startMetricsSnapshots } from '../core/metrics-snapshot.ts';
import { RedisNotFoundError } from '../core/redis-process.ts';
import { ADMIN_PASSWORD_FILE, READER_PASSWORD_FILE } from '../storage/embedded/credentials.ts';
import { startOpsServer } from './ops-server.ts';
import { embeddedOptions, openRuntime } from './runtime.ts';
import type { Role } from './roles/role.ts';
import type { EvaluateOptions } from './evaluate/index.ts';

const program = new Command()
  .name('assay')
  .description('Catch LLM answers that are wrong while the HTTP status says 200 OK.')
  .addOption(new Option('-c, --config <file>', 'YAML config file').env('ASSAY_CONFIG'))
  .showHelpAfterError();

type RoleName = 'collector' | 'worker' | 'alerter';

async function runRoles(names: RoleName[]): Promise<void> {
  const { config, logger } = setup();
  const rt = await openRuntime(config, logger, { needRedis: true });
  const roles: Role[] = [];
  // One snapshotter per process, whatever roles it runs, feeds the Pipeline health dashboard.
  const snapshots = startMetricsSnapshots({
    client: rt.clickhouse,
    database: config.clickhouse.database,
    role: names.length > 1 ? 'all' : (names[0] ?? 'all'),
    instance: `${hostname()}:${process.pid}`,
    logger,
  });
  const stopAll = async (): Promise<void> => {
    // Every role is stopped even when one fails (its data kept on disk); the failure then exits non-zero.
    const failures: unknown[] = [];
    for (const role of [...roles].reverse())
      await role.shutdown().catch((err: unknown) => failures.push(err));
    await snapshots.stop();
    await rt.shutdown();
    if (failures.length) throw failures[0];
  };
  let ready = false;
  onSignals(logger, stopAll);
  try {
    const ops = await startOpsServer({ ...config.ops, logger, isReady: () => ready && rt.healthy() });
    roles.push({ name: 'ops', shutdown: () => ops.close() });
    for (const name of names) roles.push(await startRole(name, rt));
  } catch (err) {
    await stopAll();
    throw err;
  }
  ready = true;
  logger.info({ roles: names }, 'assay is running; Ctrl-C to stop');
}

async function startRole(name: RoleName, rt: Awaited<ReturnType<typeof openRuntime>>): Promise<Role> {
  switch (name) {
    case 'collector':
      return (await import('./roles/collector.ts')).startCollector(rt);
    case 'worker':
      return (await import('./roles/worker.ts')).startWorker(rt);
    case 'alerter':
      return (await import('./roles/alerter.ts')).startAlerterRole(rt);
  }
}

program
  .command('start')
  .description('run every role (collector, worker, alerter) in one process on embedded defaults')
  .action(() => runRoles(['collector', 'worker', 'alerter']));
program
  .command('collector')
  .description('receive OTLP/HTTP spans and store LLM calls')
  .action(() => runRoles(['collector']));
program
  .command('worker')
  .description('score sampled calls from the evaluation queue')
  .action(() => runRoles(['worker']));
program
  .command('alerter')
  .description('detect quality regressions and notify on-call')
  .action(() => runRoles(['alerter']));

program
  .command('migrate')
  .description('apply ClickHouse migrations and exit')
  .action(async () => {
    const { config, logger } = setup();
    const rt = await openRuntime(config, logger, { needRedis: false });
    await rt.shutdown();
    process.stdout.write(
      `migrations are up to date on ${rt.clickhouseUrl} (database ${config.clickhouse.database})\n`,
    );
  });

program
  .command('clickhouse')
  .description('serve the embedded ClickHouse engine over HTTP, so roles in other processes can share it')
  .action(async () => {
    const { config, logger } = setup();
    const { startEmbeddedClickhouse } = await import('../storage/embedded/index.ts');
    const dataDir = resolveDataDir(config);
    const server = await startEmbeddedClickhouse(embeddedOptions(config, dataDir, logger));
    onSignals(logger, () => server.shutdown());
    const where = (configured: string, file: string) =>
      configured ? 'the configured password' : `password in ${join(dataDir, file)}`;
    process.stdout.write(
      `embedded ClickHouse serving on ${server.url}\n` +
        `  user ${server.admin.username} (${where(config.clickhouse.password, ADMIN_PASSWORD_FILE)})\n` +
        `  read-only user ${server.reader.username} (${where(config.clickhouse.embedded.readonly_password, READER_PASSWORD_FILE)})\n`,
    );
  });

const alerts = program.command('alerts').description('alerting utilities');
alerts
  .command('test')
  .description('send a test notification to one channel')
  .requiredOption('--channel <name>', 'channel name from alerts.channels')
  .action(async (opts: { channel: string }) => {
    const { config } = setup();
    const { sendTestNotification } = await import('../alerts/notices/test-notification.ts');
    const result = await sendTestNotification(config, opts.channel);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    // A script (or a human in a runbook) must be able to tell a working channel from a broken one.
    if (result.outcome !== 'delivered') process.exitCode = 1;
  });

const collect = (value: string, prev: string[] = []): string[] => [...prev, value];
program
  .command('evaluate')
  .description('re-score stored calls with the current evaluators through the queue (resumable, idempotent)')
  .requiredOption('--since <time>', 'start of the calls: a duration back from now (7d, 12h) or an ISO date')
  .option('--until <time>', 'end of the calls (exclusive), same forms; default now')
  .option(
    '--where <key=value...>',
    'only calls with these values (service, environment, provider, model, route, operation, status)',
  )
  .option('--evaluator <id>', 'only this evaluator (repeatable); default every evaluator', collect)
  .option('--dry-run', 'print how many calls and the estimated judge spend, queue nothing')
  .option('--restart', 'forget the saved progress of this run and start over on a new range')
  .option('--page-size <n>', 'calls read and queued per page', '500')
  .option('--max-queue-depth <n>', 'queue no page while this many jobs are unfinished', '10000')
  .action(async (opts: EvaluateOptions) => {
    const { config, logger } = setup();
    const { runEvaluate, EvaluateUsageError } = await import('./evaluate/index.ts');
    try {
      process.exitCode = await runEvaluate(config, logger, opts);
    } catch (err) {
      if (!(err instanceof EvaluateUsageError)) throw err;
      process.stderr.write(`assay evaluate: ${err.message}\n`);
      process.exitCode = 2;
    }
  });

program
  .command('demo')
  .description(
    'start Assay, simulate services through real OTel instrumentation, break one route, show the alert',
  )
  .option('--fast', 'shorter phases (used by the tests)')
  .action(async (opts: { fast?: boolean }) => {
    const { runDemo } = await import('./demo/index.ts');
    await runDemo({ fast: opts.fast === true, configPath: program.opts<{ config?: string }>().config });
  });

function setup(): { config: AssayConfig; logger: Logger } {
  const config = loadConfig(program.opts<{ config?: string }>().config);
  const logger = createLogger(config.log_level);
  for (const message of config.deprecations) logger.warn({ deprecated: true }, message);
  return { config, logger };
}

function resolveDataDir(config: AssayConfig): string {
  return new URL(config.data_dir, `file://${process.cwd()}/`).pathname;
}

/** First SIGTERM/SIGINT: graceful stop, then exit 0. A second one: exit now. */
function onSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof RedisNotFoundError) {
    process.stderr.write(`assay: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`assay: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
