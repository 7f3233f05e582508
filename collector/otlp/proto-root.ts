import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), 'proto');

const FILES = [
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'google/rpc/status.proto',
];

let root: protobuf.Root | undefined;

/**
 * The OTLP `.proto` definitions vendored in `proto/`, loaded once with protobufjs reflection.
 * Used to encode responses and, in tests, as the reference decoder the fast hand-written one
 * is checked against.
 */
export function otlpRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  // Imports are written relative to the proto root (`opentelemetry/proto/...`); protobufjs
  // resolves its bundled `google/protobuf/*.proto` itself.
  r.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? target : join(PROTO_DIR, target);
  r.loadSync(FILES);
  r.resolveAll();
  root = r;
  return r;
}

/** A message type by its full name, e.g. `opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse`. */
export function otlpType(name: string): protobuf.Type {
  return otlpRoot().lookupType(name);
}
