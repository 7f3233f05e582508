/**
 * A ClickHouse exception as the HTTP interface reports it: numeric code, name, message.
 * chdb's errors carry the engine's text `Code: N. DB::Exception: ... (NAME)`; the code and
 * name are read from that protocol text so the client sees what a real server would send.
 */
export class EngineError extends Error {
  constructor(
    readonly code: number,
    readonly type: string,
    message: string,
    /** HTTP status when it is not the one {@link httpStatusFor} gives for the code. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EngineError';
  }

  /** Wraps anything thrown by chdb (or our own parsing) into an EngineError. */
  static from(err: unknown): EngineError {
    if (err instanceof EngineError) return err;
    const text = err instanceof Error ? err.message : String(err);
    const m = /^Code:\s*(\d+)\.\s*(?:DB::Exception:\s*)?([\s\S]*?)(?:\.\s*\(([A-Z0-9_]+)\))?\s*$/.exec(text);
    if (m?.[1]) return new EngineError(Number(m[1]), m[3] ?? 'UNKNOWN_EXCEPTION', m[2] ?? text);
    return new EngineError(1001, 'STD_EXCEPTION', text);
  }
}

/** Parse, syntax and type errors: the request itself is wrong (ClickHouse's HTTPHandler answers 400). */
const BAD_REQUEST = new Set([
  6, 15, 25, 26, 27, 38, 41, 44, 53, 62, 72, 117, 167, 168, 223, 321, 376, 441, 676, 677,
]);
/** UNKNOWN_* codes (table, database, identifier, function, setting, format, ...) are answered 404. */
const NOT_FOUND = new Set([46, 47, 50, 56, 60, 63, 73, 81, 115, 336, 511]);

/** HTTP status for an exception code, following ClickHouse's own mapping for the common codes. */
export function httpStatusFor(code: number): number {
  if (BAD_REQUEST.has(code)) return 400;
  if (NOT_FOUND.has(code)) return 404;
  if (code === 164) return 403; // READONLY
  if (code === 497 || code === 516) return 403; // ACCESS_DENIED, AUTHENTICATION_FAILED
  if (code === 369) return 413; // QUERY_IS_TOO_LARGE (request body over the cap)
  if (code === 48) return 501; // NOT_IMPLEMENTED
  if (code === 159) return 408; // TIMEOUT_EXCEEDED
  return 500;
}

/** The exception body ClickHouse sends, which `@clickhouse/client` parses into `ClickHouseError`. */
export function errorBody(err: EngineError, version: string): string {
  const message = err.message.replace(/\.\s*$/, '');
  return `Code: ${err.code}. DB::Exception: ${message}. (${err.type}) (version ${version})\n`;
}
