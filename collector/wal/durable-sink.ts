import { gunzipSync } from 'node:zlib';
import { sleep } from '../../core/retry.ts';
import type { Logger } from '../../core/logger.ts';
import type { AcceptResult, OtlpBody, OtlpSink } from '../http/types.ts';
import {
  decodeLogs,
  decodeTraces,
  sliceTraces,
  type OtlpEncoding,
  type OtlpSignal,
  type SpanSelection,
} from '../otlp/index.ts';
import type { Origin, PipelineAccept } from '../pipeline.ts';
import type { LogRecord, Span } from '../span.ts';
import { walMetrics as m } from './metrics.ts';
import { RecordType } from './record.ts';
import type { WriteAheadLog } from './wal.ts';

/** The pipeline as the durable sink drives it. */
export interface OriginSink {
  acceptSpans(spans: Span[], origin?: Origin): PipelineAccept;
  acceptLogs(records: LogRecord[], origin?: Origin): PipelineAccept;
}

export interface DurableSinkDeps {
  pipeline: OriginSink;
  wal: WriteAheadLog;
  logger: Logger;
  /** The receiver's span selection, so a replay decodes exactly as the live request was. */
  spanSelection?: SpanSelection;
}

const SIGNALS: OtlpSignal[] = ['traces', 'logs'];
const ENCODINGS: OtlpEncoding[] = ['protobuf', 'json'];

/**
 * The receiver's sink when `collector.durability` is on: a request the pipeline took something
 * from is appended to the write-ahead log (3 bytes of signal, encoding and gzip flag, then the
 * body as received or only the spans the pipeline used), and the 200 waits for it to be durable. Its calls hold the record's
 * segment until they are in ClickHouse or the spool. At start, {@link replay} feeds the log's
 * records back through the same decode and pipeline.
 */
export class DurableSink implements OtlpSink {
  constructor(private readonly deps: DurableSinkDeps) {}

  acceptSpans(spans: Span[], body?: OtlpBody): AcceptResult {
    return this.accept('traces', spans, body);
  }

  acceptLogs(records: LogRecord[], body?: OtlpBody): AcceptResult {
    return this.accept('logs', records, body);
  }

  /** Replays every record the previous process left, then lets settled segments go. */
  async replay(): Promise<{ records: number; undecodable: number }> {
    const { wal, logger } = this.deps;
    let records = 0;
    let undecodable = 0;
    if (wal.oldSegments > 0)
      logger.info({ segments: wal.oldSegments, bytes: wal.bytes }, 'replaying the write-ahead log');
    for await (const { seg, record } of wal.replay()) {
      if (record.type !== RecordType.OTLP_REQUEST) continue;
      const decoded = this.decode(record.payload);
      if (!decoded) {
        undecodable++;
        continue;
      }
      records++;
      const origin = { seg, lsn: 0, replayed: true };
      for (;;) {
        const r =
          decoded.signal === 'traces'
            ? this.deps.pipeline.acceptSpans(decoded.items as Span[], origin)
            : this.deps.pipeline.acceptLogs(decoded.items as LogRecord[], origin);
        if (r.ok || r.reason === 'shutting_down') break;
        // The writer is full (ClickHouse slow or away and the spool filling): wait for room.
        await sleep(20);
      }
    }
    wal.replayDone();
    if (records > 0 || undecodable > 0)
      logger.info({ records, undecodable }, 'write-ahead log replayed into the pipeline');
    return { records, undecodable };
  }

  private accept(signal: OtlpSignal, items: Span[] | LogRecord[], body: OtlpBody | undefined): AcceptResult {
    const { pipeline, wal } = this.deps;
    if (!body)
      return signal === 'traces'
        ? pipeline.acceptSpans(items as Span[])
        : pipeline.acceptLogs(items as LogRecord[]);
    const seg = wal.position(body.bytes.length + 3);
    if (seg === 'closed') return { ok: false, reason: 'shutting_down' };
    if (seg === 'full') {
      m.refused.inc({ reason: 'full' });
      return { ok: false, reason: 'log_full' };
    }
    const origin = { seg, lsn: wal.nextLsn, replayed: false };
    const r =
      signal === 'traces'
        ? pipeline.acceptSpans(items as Span[], origin)
        : pipeline.acceptLogs(items as LogRecord[], origin);
    if (!r.ok || !r.relevant) return r;
    const durable = wal.append(RecordType.OTLP_REQUEST, this.payload(signal, body, r.used));
    durable.catch(() => m.refused.inc({ reason: 'failed' }));
    return { ok: true, rejected: r.rejected, message: r.message, durable };
  }

  /**
   * What is logged of a request: as received, or — protobuf traces of which the pipeline used
   * only some spans — just those spans with their resource and scope, bytes copied as they came
   * (a replay decodes to the same calls and routes). The smaller of the two is written.
   */
  private payload(signal: OtlpSignal, body: OtlpBody, used: Uint8Array | undefined): Uint8Array[] {
    const asReceived = [
      Uint8Array.of(SIGNALS.indexOf(signal), ENCODINGS.indexOf(body.encoding), body.gzip ? 1 : 0),
      body.bytes,
    ];
    if (!used || !body.layout || !body.plain || used.length !== body.layout.spanStart.length)
      return asReceived;
    if (used.every((u) => u === 1)) return asReceived;
    const sliced = sliceTraces(body.plain, body.layout, used);
    if (sliced.length >= body.bytes.length) return asReceived;
    m.slicedBytes.inc(body.bytes.length - sliced.length);
    return [Uint8Array.of(SIGNALS.indexOf('traces'), ENCODINGS.indexOf('protobuf'), 0), sliced];
  }

  private decode(payload: Buffer): { signal: OtlpSignal; items: Span[] | LogRecord[] } | undefined {
    const signal = SIGNALS[payload[0] ?? -1];
    const encoding = ENCODINGS[payload[1] ?? -1];
    if (!signal || !encoding || payload.length < 3) return undefined;
    try {
      let body: Buffer = payload.subarray(3);
      if (payload[2] === 1) body = gunzipSync(body);
      const items =
        signal === 'traces'
          ? decodeTraces(body, encoding, this.deps.spanSelection).items
          : decodeLogs(body, encoding).items;
      return { signal, items };
    } catch (err) {
      this.deps.logger.warn({ err }, 'undecodable write-ahead log record skipped');
      return undefined;
    }
  }
}
