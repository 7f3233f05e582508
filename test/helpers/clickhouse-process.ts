import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../core/free-port.ts';
import { eventually } from './eventually.ts';

/**
 * `assay clickhouse` as its own process (as when roles run separately), started and stopped
 * as often as a test needs, to take ClickHouse away from the roles and bring it back.
 */
export class ClickhouseProcess {
  private child: ChildProcess | undefined;

  constructor(
    private readonly configPath: string,
    readonly port: number,
  ) {}

  /**
   * One with its config and data in `dir` (`clickhouse.yaml`, `ch/`), on a free loopback port,
   * requiring `password`: what two tests on one machine never share.
   */
  static async inDir(dir: string, password: string): Promise<ClickhouseProcess> {
    const port = await freePort();
    const configPath = join(dir, 'clickhouse.yaml');
    writeFileSync(
      configPath,
      `data_dir: ${join(dir, 'ch')}\nlog_level: warn\nclickhouse:\n  password: ${password}\n  embedded:\n    port: ${port}\n`,
    );
    return new ClickhouseProcess(configPath, port);
  }

  /** Its HTTP interface. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Spawns it and waits until `/ping` answers. */
  async start(timeoutMs = 60_000): Promise<void> {
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', 'cli/assay.ts', 'clickhouse', '--config', this.configPath],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    await eventually(
      async () => ((await fetch(`http://127.0.0.1:${this.port}/ping`)).ok ? true : undefined),
      timeoutMs,
    );
  }

  /** SIGTERM, and waits for the exit. Idempotent. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
