// npx tsx bench/decode.ts — how fast `decodeTraces` turns a realistic OTLP batch into spans:
// 512 spans from the real OTel JS SDK + serializer (10% GenAI calls with ~1 KB prompt and
// ~0.5 KB answer, the rest HTTP/DB spans with ~10 attributes), protobuf and JSON, compared with
// protobufjs reflection decoding of the same bytes (the generic alternative).
import { decodeTraces } from '../collector/otlp/index.ts';
import { otlpType } from '../collector/otlp/proto-root.ts';
import { buildBatch } from './batches.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);

function measure(label: string, spansPerRun: number, run: () => void): number {
  for (let i = 0; i < 50; i++) run(); // warm-up: let V8 optimise before timing
  let runs = 0;
  const t0 = process.cpuUsage();
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    run();
    runs++;
  }
  const used = process.cpuUsage(t0);
  const cpuS = (used.user + used.system) / 1e6;
  const rate = (runs * spansPerRun) / cpuS;
  console.log(
    `${label.padEnd(44)} ${rate.toFixed(0).padStart(9)} spans/s per core  (${((cpuS / runs) * 1000).toFixed(2)} ms per batch)`,
  );
  return rate;
}

const batch = buildBatch(512, 0.1);
const bytes = Buffer.from(batch.bytes);
const spans = decodeTraces(bytes, 'protobuf').items.length;
console.log(`batch: ${spans} spans, ${batch.llmCalls} LLM spans, ${bytes.length} bytes protobuf`);

measure('decodeTraces protobuf', spans, () => decodeTraces(bytes, 'protobuf'));
const Request = otlpType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
measure('protobufjs reflection decode (no conversion)', spans, () => Request.decode(bytes));

const json = Buffer.from(
  JSON.stringify(toOtlpJson(Request.toObject(Request.decode(bytes), { longs: String, bytes: String }))),
);
console.log(`json body: ${json.length} bytes`);
measure('decodeTraces json', spans, () => decodeTraces(json, 'json'));

/** protobufjs's proto3 JSON has base64 ids; OTLP/JSON wants hex (the rest already matches). */
function toOtlpJson(v: unknown, key = ''): unknown {
  if (typeof v === 'string' && /^(traceId|spanId|parentSpanId)$/.test(key))
    return Buffer.from(v, 'base64').toString('hex');
  if (Array.isArray(v)) return v.map((x) => toOtlpJson(x));
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toOtlpJson(x, k)]));
  }
  return v;
}
