/**
 * What other stages may use of `storage/`: the batched, spooled, idempotent ClickHouse writer
 * (the worker's score writers are built on it). Everything else here is wired by `cli/`.
 */
export { BatchWriter, WriterShutdownError, type BatchWriterOptions } from './writer.ts';
