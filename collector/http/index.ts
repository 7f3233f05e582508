export { createReceiverServer } from './server.ts';
export type { AcceptResult, OtlpSink, ReceiverConfig, ReceiverDeps } from './types.ts';
