import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** A batch as it is sent and spooled: the dedup token, the exact bytes and their format. */
export interface SpooledBatch {
  token: string;
  rows: number;
  /** ClickHouse input format of `payload` (files written before formats were recorded: JSONEachRow). */
  format: string;
  /** The payload's columns, in order (RowBinary; files written before columns were recorded: none). */
  columns?: readonly string[];
  payload: Buffer;
}

/** A batch file waiting in the spool. */
export interface SpoolEntry {
  file: string;
  bytes: number;
}

const FILE = /^(\d{12})-[^/]+\.batch$/;

/**
 * A directory of batch files, replayed oldest first. Each file holds one batch: a JSON header
 * line (`token`, `rows`, `format`, and a RowBinary payload's `columns`) and then the payload exactly as it was (or would have been)
 * sent, so a replay repeats the same insert with the same dedup token and the same bytes. Files are
 * written atomically (tmp file, fsync, rename, fsync of the directory), so a crash leaves
 * either the whole batch or nothing. Names carry a sequence number that keeps order across
 * restarts. Batches ClickHouse refused for good go to `dead/` and are never replayed.
 */
export class Spool {
  private readonly entries: SpoolEntry[] = [];
  private nextSeq = 1;
  private totalBytes = 0;
  readonly deadDir: string;

  constructor(readonly dir: string) {
    this.deadDir = join(dir, 'dead');
    mkdirSync(this.deadDir, { recursive: true });
    for (const name of readdirSync(dir).sort()) {
      // A tmp file is a write the previous process did not finish: its batch was never
      // acknowledged as spooled, so it is not ours to replay.
      if (name.endsWith('.tmp')) {
        unlinkSync(join(dir, name));
        continue;
      }
      const m = FILE.exec(name);
      if (!m?.[1]) continue;
      const bytes = statSync(join(dir, name)).size;
      this.entries.push({ file: name, bytes });
      this.totalBytes += bytes;
      this.nextSeq = Math.max(this.nextSeq, Number(m[1]) + 1);
    }
    for (const name of readdirSync(this.deadDir)) {
      if (name.endsWith('.tmp')) {
        unlinkSync(join(this.deadDir, name));
        continue;
      }
      const m = FILE.exec(name);
      if (m?.[1]) this.nextSeq = Math.max(this.nextSeq, Number(m[1]) + 1);
    }
  }

  /** Bytes of batch files waiting. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Batch files waiting. */
  get size(): number {
    return this.entries.length;
  }

  /** Bytes a batch takes on disk. */
  static sizeOf(batch: SpooledBatch): number {
    return Buffer.byteLength(header(batch)) + batch.payload.length;
  }

  /** Appends a batch (durably) behind those already waiting. */
  async push(batch: SpooledBatch): Promise<void> {
    const entry = await this.write(this.dir, batch);
    this.entries.push(entry);
    this.totalBytes += entry.bytes;
  }

  /** The oldest waiting batch, if any. */
  oldest(): SpoolEntry | undefined {
    return this.entries[0];
  }

  async read(entry: SpoolEntry): Promise<SpooledBatch> {
    const data = await readFile(join(this.dir, entry.file));
    const nl = data.indexOf(0x0a);
    const head = JSON.parse(data.subarray(0, nl).toString('utf8')) as {
      token: string;
      rows: number;
      format?: string;
      columns?: string[];
    };
    return {
      token: head.token,
      rows: head.rows,
      format: head.format ?? 'JSONEachRow',
      ...(head.columns ? { columns: head.columns } : {}),
      payload: data.subarray(nl + 1),
    };
  }

  /** Drops the oldest batch once it is in ClickHouse (or moved to dead/). */
  async shift(entry: SpoolEntry): Promise<void> {
    if (this.entries[0] !== entry) throw new Error('spool entries are consumed oldest first');
    await unlink(join(this.dir, entry.file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    this.entries.shift();
    this.totalBytes -= entry.bytes;
  }

  /** Moves an unreadable batch file to dead/ (it can never be replayed). */
  async quarantine(entry: SpoolEntry): Promise<void> {
    if (this.entries[0] !== entry) throw new Error('spool entries are consumed oldest first');
    await rename(join(this.dir, entry.file), join(this.deadDir, entry.file));
    this.entries.shift();
    this.totalBytes -= entry.bytes;
  }

  /** Keeps a batch ClickHouse refused for good in dead/, for a human to look at. */
  async bury(batch: SpooledBatch): Promise<void> {
    await this.write(this.deadDir, batch);
  }

  private async write(dir: string, batch: SpooledBatch): Promise<SpoolEntry> {
    const file = `${String(this.nextSeq++).padStart(12, '0')}-${batch.token.replace(/[^A-Za-z0-9_-]/g, '_')}.batch`;
    const tmp = join(dir, `${file}.tmp`);
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(header(batch));
        await fh.writeFile(batch.payload);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, join(dir, file));
    } catch (err) {
      // A failed write (a full disk) leaves nothing behind: the batch is still in memory.
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await syncDir(dir);
    return { file, bytes: Spool.sizeOf(batch) };
  }
}

function header(batch: SpooledBatch): string {
  const { token, rows, format, columns } = batch;
  return `${JSON.stringify({ token, rows, format, ...(columns ? { columns } : {}) })}\n`;
}

/** fsync of the directory makes the rename itself durable. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
