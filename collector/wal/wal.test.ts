import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { registry } from '../../core/metrics.ts';
import { WalClosedError, WriteAheadLog, type WalOptions } from './wal.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(over: Partial<WalOptions> = {}, dir?: string): WriteAheadLog {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'assay-wal-'));
  if (!dir) dirs.push(d);
  return new WriteAheadLog({
    dir: d,
    fsync: 'batch',
    groupCommitMs: 0,
    segmentBytes: 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    logger: silentLogger,
    ...over,
  });
}

async function replayAll(wal: WriteAheadLog): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = [];
  for await (const { seg, record } of wal.replay()) out.push([seg, record.payload.toString()]);
  wal.replayDone();
  return out;
}

const files = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.wal'));

describe('WriteAheadLog', () => {
  it('replays in a new process what was appended and held, in order, with its segment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'assay-wal-'));
    dirs.push(dir);
    const first = open({}, dir);
    first.replayDone();
    const seg = first.position(3);
    expect(seg).toBe(1);
    first.hold(seg as number);
    await Promise.all([
      first.append(1, [Buffer.from('one')]),
      first.append(1, [Buffer.from('tw'), Buffer.from('o')]),
    ]);
    // The process dies here: no shutdown, the hold is never released.
    const second = open({}, dir);
    expect(second.oldSegments).toBe(1);
    expect(await replayAll(second)).toEqual([
      [1, 'one'],
      [1, 'two'],
    ]);
    // New appends go to a new segment after the old ones.
    expect(second.position(1)).toBe(2);
    await second.shutdown();
    expect(files(dir)).toEqual([]);
  });

  it('lets requests arriving together share one fsync (group commit)', async () => {
    const wal = open({ groupCommitMs: 5 });
    wal.replayDone();
    const before = await groupCount();
    await Promise.all(Array.from({ length: 20 }, (_, i) => wal.append(1, [Buffer.from(`r${i}`)])));
    expect((await groupCount()) - before).toBe(1);
    await wal.shutdown();
  });

  it('with fsync always, writes and syncs each record on its own', async () => {
    const wal = open({ fsync: 'always' });
    wal.replayDone();
    const before = await groupCount();
    await Promise.all(Array.from({ length: 5 }, (_, i) => wal.append(1, [Buffer.from(`r${i}`)])));
    expect((await groupCount()) - before).toBe(5);
    await wal.shutdown();
  });

  it('deletes segments oldest first once nothing at or below them is held', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'assay-wal-'));
    dirs.push(dir);
    const wal = open({ segmentBytes: 1024 * 1024 }, dir);
    wal.replayDone();
    const big = Buffer.alloc(600 * 1024, 1);
    const segs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const seg = wal.position(big.length) as number;
      wal.hold(seg);
      segs.push(seg);
      await wal.append(1, [big]);
    }
    expect(segs).toEqual([1, 2, 3]);
    expect(files(dir)).toHaveLength(3);
    wal.release(2);
    await settle();
    expect(files(dir)).toHaveLength(3); // 1 still held: nothing after it may go either
    wal.release(1);
    await settle();
    expect(files(dir)).toEqual(['000000000003.wal']);
    wal.release(3);
    await settle();
    expect(files(dir)).toEqual([]);
    await wal.shutdown();
  });

  it('refuses past max_bytes until held segments are released', async () => {
    const wal = open({ segmentBytes: 1024 * 1024, maxBytes: 1024 * 1024 + 100 });
    wal.replayDone();
    const seg = wal.position(1000 * 1024) as number;
    wal.hold(seg);
    await wal.append(1, [Buffer.alloc(1000 * 1024)]);
    expect(wal.position(100 * 1024)).toBe('full');
    wal.release(seg);
    await settle();
    expect(wal.position(100 * 1024)).toBeTypeOf('number');
    await wal.shutdown();
  });

  it('keeps nothing after a clean shutdown and refuses appends after it; shutdown is idempotent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'assay-wal-'));
    dirs.push(dir);
    const wal = open({}, dir);
    wal.replayDone();
    await wal.append(1, [Buffer.from('x')]);
    await Promise.all([wal.shutdown(), wal.shutdown()]);
    expect(files(dir)).toEqual([]);
    expect(wal.position(1)).toBe('closed');
    await expect(wal.append(1, [Buffer.from('y')])).rejects.toBeInstanceOf(WalClosedError);
  });

  it('replays what precedes a torn tail and keeps later segments readable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'assay-wal-'));
    dirs.push(dir);
    const first = open({}, dir);
    first.replayDone();
    first.hold(1);
    await first.append(1, [Buffer.from('kept')]);
    // Half a record at the end, as a crash mid-write leaves it.
    appendFileSync(join(dir, '000000000001.wal'), Buffer.from([200, 0, 0, 0, 1, 2]));
    const second = open({}, dir);
    second.hold(1); // as the pipeline does for a replayed call not yet stored
    expect(await replayAll(second)).toEqual([[1, 'kept']]);
    second.hold(second.position(5) as number);
    await second.append(1, [Buffer.from('later')]);
    const third = open({}, dir);
    expect((await replayAll(third)).map(([, p]) => p)).toEqual(['kept', 'later']);
  });
});

async function groupCount(): Promise<number> {
  const m = await registry.getSingleMetric('assay_wal_group_records')?.get();
  return (
    m?.values.find((v) => (v as { metricName?: string }).metricName === 'assay_wal_group_records_count')
      ?.value ?? 0
  );
}

const settle = () => new Promise((r) => setTimeout(r, 20));
