import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { RpcCode, encodeExportResponse, encodeStatus } from './index.ts';
import { otlpType } from './proto-root.ts';

describe('encodeExportResponse', () => {
  it('leaves partial_success unset on full success', () => {
    expect(encodeExportResponse('traces', 'json')).toBe('{}');
    expect((encodeExportResponse('traces', 'protobuf') as Buffer).length).toBe(0);
  });

  it('is read back by the OTel JS exporters as partial success with the rejected count', () => {
    const traces = ProtobufTraceSerializer.deserializeResponse(
      encodeExportResponse('traces', 'protobuf', { rejected: 3, message: 'bad ids' }) as Buffer,
    );
    expect(Number(traces.partialSuccess?.rejectedSpans)).toBe(3);
    expect(traces.partialSuccess?.errorMessage).toBe('bad ids');
    const logs = ProtobufLogsSerializer.deserializeResponse(
      encodeExportResponse('logs', 'protobuf', { rejected: 2, message: 'm' }) as Buffer,
    );
    expect(Number(logs.partialSuccess?.rejectedLogRecords)).toBe(2);
  });

  it('writes OTLP/JSON with the int64 count as a decimal string', () => {
    expect(JSON.parse(encodeExportResponse('logs', 'json', { rejected: 2, message: 'm' }) as string)).toEqual(
      {
        partialSuccess: { rejectedLogRecords: '2', errorMessage: 'm' },
      },
    );
  });
});

describe('encodeStatus', () => {
  it('encodes google.rpc.Status in both encodings', () => {
    const Status = otlpType('google.rpc.Status');
    const decoded = Status.toObject(
      Status.decode(encodeStatus('protobuf', RpcCode.INVALID_ARGUMENT, 'invalid JSON') as Buffer),
    );
    expect(decoded).toEqual({ code: 3, message: 'invalid JSON' });
    expect(JSON.parse(encodeStatus('json', 8, 'too big') as string)).toEqual({ code: 8, message: 'too big' });
  });
});
