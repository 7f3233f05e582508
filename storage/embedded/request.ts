import { EngineError } from './errors.ts';

/** What the URL of a ClickHouse HTTP request carries, split by what each part is for. */
export interface RequestParams {
  /** The `query` parameter (prepended to the body). */
  query?: string;
  queryId?: string;
  /** Default database for unqualified names. */
  database?: string;
  /** Output format when the SQL names none (ClickHouse's HTTP default is TabSeparated). */
  defaultFormat?: string;
  /** `param_<name>` values, still in ClickHouse's escaped text form. */
  params: Record<string, string>;
  /** Query-level settings, applied to this statement only. */
  settings: Array<[string, string]>;
  /** `enable_http_compression=1`: the response may be compressed if the client accepts it. */
  compressResponse: boolean;
  /** `readonly=1` (or 2) asked for by the client: the server then enforces read-only itself. */
  readOnly: boolean;
}

/**
 * URL parameters that belong to the HTTP layer (or to a server feature the embedded engine
 * does not have, such as sessions and users), not to the query: they are read or ignored here
 * instead of being applied as settings, which chdb would reject as unknown.
 */
const HTTP_ONLY = new Set([
  'query',
  'query_id',
  'database',
  'default_format',
  'user',
  'password',
  'quota_key',
  'role',
  'session_id',
  'session_timeout',
  'session_check',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'http_wait_end_of_query',
  'client_protocol_version',
  'add_http_cors_header',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_response_buffer_size',
  'http_headers_progress_interval_ms',
  'http_send_progress_interval_ms',
  'send_progress_in_http_headers',
  'http_native_compression_disable_checksumming_on_decompress',
  'cancel_http_readonly_queries_on_client_close',
]);

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits URL search parameters into query text, bound parameters, settings and HTTP options. */
export function parseRequestParams(search: URLSearchParams): RequestParams {
  const out: RequestParams = { params: {}, settings: [], compressResponse: false, readOnly: false };
  for (const [key, value] of search) {
    if (key.startsWith('param_')) {
      out.params[key.slice('param_'.length)] = value;
      continue;
    }
    switch (key) {
      case 'query':
        out.query = value;
        continue;
      case 'query_id':
        out.queryId = value;
        continue;
      case 'database':
        out.database = value;
        continue;
      case 'default_format':
        out.defaultFormat = value;
        continue;
      case 'enable_http_compression':
        out.compressResponse = value === '1' || value === 'true';
        continue;
      case 'readonly':
        // Never applied as a setting: the server sets readonly itself where it applies.
        out.readOnly = value !== '' && value !== '0';
        continue;
    }
    if (HTTP_ONLY.has(key)) continue;
    if (!SETTING_NAME.test(key)) throw new EngineError(115, 'UNKNOWN_SETTING', `Unknown setting '${key}'`);
    out.settings.push([key, value]);
  }
  if (out.defaultFormat !== undefined && !SETTING_NAME.test(out.defaultFormat))
    throw new EngineError(73, 'UNKNOWN_FORMAT', `Unknown format ${out.defaultFormat}`);
  return out;
}
