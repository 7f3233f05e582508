import type { Attributes } from '../span.ts';
import { indexed, isRecord, parseJson } from './attrs.ts';
import { FIELD_KEYS, firstOf } from './fields.ts';
import type { Message } from './messages.ts';

/** One tool call of an answer: the tool's name and the arguments as the model wrote them. */
export interface ToolCall {
  name: string;
  arguments: string;
}

/** One tool offered to the model, in one shape whatever the convention. */
export interface ToolDefinition {
  name: string;
  description?: string;
  parameters?: unknown;
}

const PREFIX = 'tool_call ';

/** True once `block` (`tool_call name(args)`, maybe over several lines) is complete. */
function closes(block: string): boolean {
  if (!block.endsWith(')')) return false;
  if (!block.includes('\n')) return true;
  const inner = block.slice(block.indexOf('(') + 1, -1);
  try {
    JSON.parse(inner);
    return true;
  } catch {
    return false;
  }
}

function toCall(block: string): ToolCall {
  const open = block.indexOf('(');
  if (open < 0) return { name: block.slice(PREFIX.length).trim(), arguments: '' };
  const end = block.endsWith(')') ? -1 : undefined;
  return { name: block.slice(PREFIX.length, open), arguments: block.slice(open + 1, end) };
}

/**
 * The tool calls of an answer. Every convention module renders a tool call the same way, with
 * `renderToolCall` (`tool_call name(args)`, on a line of its own), so they are read back from
 * the answer messages here rather than by a second walk over each convention's shapes. Arguments
 * that span several lines (pretty-printed JSON) end where the JSON closes.
 */
export function toolCallsOf(output: readonly Message[]): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const m of output) {
    if (!m.content.includes(PREFIX)) continue;
    let block: string | null = null;
    for (const line of m.content.split('\n')) {
      if (line.startsWith(PREFIX)) {
        if (block !== null) calls.push(toCall(block));
        block = line;
      } else if (block !== null) block += `\n${line}`;
      else continue;
      if (closes(block)) {
        calls.push(toCall(block));
        block = null;
      }
    }
    if (block !== null) calls.push(toCall(block));
  }
  return calls;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * One definition from the shapes producers use: OTel / Responses API (`{type, name,
 * description, parameters}`), Chat Completions (`{type: 'function', function: {…}}`), Anthropic
 * (`input_schema`), AI SDK (`inputSchema`), OpenLLMetry legacy (`arguments`), and Gemini's
 * `{function_declarations: […]}` (several tools in one).
 */
function definitions(raw: unknown): ToolDefinition[] {
  const v = parseJson(raw);
  if (!isRecord(v)) return typeof v === 'string' && v !== '' ? [{ name: v }] : [];
  const decls = v['function_declarations'] ?? v['functionDeclarations'];
  if (Array.isArray(decls)) return decls.flatMap(definitions);
  const fn = isRecord(v['function']) ? v['function'] : v;
  // A hosted tool (`{type: 'web_search'}`, Microsoft.Extensions.AI, the Responses API) has no
  // name of its own: its type names it.
  const hosted = fn['type'] !== 'function' ? str(fn['type']) : undefined;
  const name = str(fn['name']) ?? hosted;
  if (!name) return [];
  const out: ToolDefinition = { name };
  const description = str(fn['description']);
  if (description) out.description = description;
  const params = parseJson(fn['parameters'] ?? fn['input_schema'] ?? fn['inputSchema'] ?? fn['arguments']);
  if (params !== undefined && params !== null) out.parameters = params;
  return [out];
}

/** Flattened lists of definitions: OpenInference `llm.tools.N.tool.json_schema`, OpenLLMetry legacy. */
const INDEXED_LISTS: ReadonlyArray<readonly [prefix: string, read: (item: Attributes) => unknown]> = [
  ['llm.tools.', (item) => item['tool.json_schema']],
  [
    'llm.request.functions.',
    (item) => ({
      name: item['name'],
      description: item['description'],
      parameters: item['parameters'] ?? item['arguments'],
    }),
  ],
];

/** The tools offered to the model, from the first place that has any. */
export function toolDefinitionsOf(
  attrs: Attributes,
  keys: readonly string[] = FIELD_KEYS.toolDefinitions,
): ToolDefinition[] {
  const listed = firstOf(attrs, keys, (v) => {
    const list = parseJson(v);
    const defs = Array.isArray(list) ? list.flatMap(definitions) : [];
    return defs.length ? defs : undefined;
  });
  if (listed) return listed;
  for (const [prefix, read] of INDEXED_LISTS) {
    const defs = indexed(attrs, prefix).flatMap((item) => definitions(read(item)));
    if (defs.length) return defs;
  }
  return [];
}

/**
 * The stored `tool_calls` column: a JSON array, '' when none. Arguments are content (the model
 * may repeat what the user wrote), so they go through `text` (redaction, truncation) and are
 * left out when content capture is off.
 */
export function toolCallsJson(
  calls: readonly ToolCall[],
  capture: boolean,
  text: (s: string) => string,
): string {
  if (calls.length === 0) return '';
  return JSON.stringify(
    calls.map((c) => (capture ? { name: c.name, arguments: text(c.arguments) } : { name: c.name })),
  );
}

/**
 * The stored `tool_definitions` column: a JSON array, '' when none. Over `maxChars` the
 * parameter schemas are dropped, then the descriptions, so the list stays valid JSON; only the
 * names are kept when content capture is off.
 */
export function toolDefinitionsJson(
  defs: readonly ToolDefinition[],
  capture: boolean,
  maxChars: number,
): string {
  if (defs.length === 0) return '';
  if (capture) {
    const full = JSON.stringify(defs);
    if (full.length <= maxChars) return full;
    const short = JSON.stringify(defs.map(({ name, description }) => ({ name, description })));
    if (short.length <= maxChars) return short;
  }
  return JSON.stringify(defs.map(({ name }) => ({ name })));
}
