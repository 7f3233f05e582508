/**
 * Rebuilds bench/quality/datasets/provider-error-bodies/items.jsonl from checkouts of the source
 * repositories, driven by the committed manifest.json beside items.jsonl:
 *
 *   npx tsx bench/quality/build/provider-error-bodies.ts owner/name=/path/to/checkout ...
 *
 * This file also holds the manifest reader shared by the other manifest-driven datasets
 * (max-tokens-truncation, degenerate-loops, pii-contact-data): every text is taken from a file of a
 * source checkout by a reference (a YAML scalar of a VCR cassette, a value inside a JSON file, a
 * string literal in a test file, a span of a file, or a whole file), decoded the way a parser of that
 * format would, and checked against the SHA-256 recorded in the manifest. Nothing is edited.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

type JsonPath = (string | number)[];

/**
 * Where a text sits in a source file. `line` is 1-based, `col` 0-based (UTF-16 units). A reference
 * with `commit` is read from that commit of the checkout's git history (`git show commit:path`), so
 * its checkout must be a git clone; one without is read from the checkout's files.
 */
export type Ref = { commit?: string } & (
  | { kind: 'yaml'; repo: string; path: string; line: number; col: number; json?: JsonPath }
  | { kind: 'json'; repo: string; path: string; json: JsonPath }
  | { kind: 'jsonl'; repo: string; path: string; row: number; json: JsonPath }
  | { kind: 'literal'; repo: string; path: string; line: number; col: number; lang: 'js' | 'py' }
  | { kind: 'span'; repo: string; path: string; line: number; col: number; endLine: number; endCol: number }
  | { kind: 'file'; repo: string; path: string }
);

type TextSource = Ref | string;

export interface ManifestItem {
  id: string;
  group?: string;
  question?: TextSource;
  system?: TextSource;
  response: Ref;
  model?: TextSource;
  question_lang?: string;
  response_lang?: string;
  finish_reason?: TextSource;
  labels: Record<string, string | boolean>;
  /** SHA-256 (hex) of the response text, as recorded when the manifest was made. */
  sha256: string;
}

export interface Manifest {
  dataset: string;
  items: ManifestItem[];
}

// ---------------------------------------------------------------------------------------------
// YAML scalars (the subset PyYAML's emitter writes into VCR cassettes)

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function indentOf(line: string): number {
  let n = 0;
  while (n < line.length && line[n] === ' ') n++;
  return n;
}

const YAML_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
const YAML_CODE_LENGTHS: Record<string, number> = { x: 2, u: 4, U: 8 };

function isBreak(ch: string | undefined): boolean {
  return ch === '\n' || ch === '\r';
}

/** Line folding inside a flow (quoted) scalar, from a line break at `i`. Returns [text, next i]. */
function foldFlowBreaks(text: string, i: number): [string, number] {
  let breaks = 0;
  while (i < text.length) {
    if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
    else if (isBreak(text[i])) i += 1;
    else break;
    breaks++;
    while (text[i] === ' ' || text[i] === '\t') i++;
  }
  return [breaks === 1 ? ' ' : '\n'.repeat(breaks - 1), i];
}

function readQuoted(text: string, start: number): string {
  const quote = text[start];
  let out = '';
  let i = start + 1;
  let pendingSpace = '';
  for (;;) {
    if (i >= text.length) throw new Error('unterminated quoted YAML scalar');
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t') {
      pendingSpace += ch;
      i++;
      continue;
    }
    if (isBreak(ch)) {
      pendingSpace = '';
      const [folded, next] = foldFlowBreaks(text, i);
      out += folded;
      i = next;
      continue;
    }
    out += pendingSpace;
    pendingSpace = '';
    if (quote === "'") {
      if (ch === "'") {
        if (text[i + 1] === "'") {
          out += "'";
          i += 2;
          continue;
        }
        return out;
      }
      out += ch;
      i++;
      continue;
    }
    if (ch === '"') return out;
    if (ch === '\\') {
      const esc = text[i + 1]!;
      if (esc in YAML_ESCAPES) {
        out += YAML_ESCAPES[esc];
        i += 2;
      } else if (esc in YAML_CODE_LENGTHS) {
        const n = YAML_CODE_LENGTHS[esc]!;
        out += String.fromCodePoint(parseInt(text.slice(i + 2, i + 2 + n), 16));
        i += 2 + n;
      } else if (isBreak(esc)) {
        // escaped line break: the break and the next line's indentation vanish
        i += text[i + 1] === '\r' && text[i + 2] === '\n' ? 3 : 2;
        while (text[i] === ' ' || text[i] === '\t') i++;
        while (isBreak(text[i])) {
          out += '\n';
          i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
          while (text[i] === ' ' || text[i] === '\t') i++;
        }
      } else {
        throw new Error(`unknown YAML escape \\${esc}`);
      }
      continue;
    }
    out += ch;
    i++;
  }
}

/** Indentation of the node that owns a scalar starting at `col` of `line`. */
function parentIndent(line: string, col: number): number {
  const prefix = line.slice(0, col).replace(/\s+$/, '');
  if (prefix.endsWith(':')) return /^(\s*(?:-\s+)*)/.exec(prefix)![1]!.length;
  if (prefix.endsWith('-')) return prefix.lastIndexOf('-');
  // the scalar starts a line of its own: its continuation lines may share its indentation
  return col - 1;
}

function readBlock(lines: string[], lineIdx: number, col: number, parent: number): string {
  const header = lines[lineIdx]!.slice(col);
  const m = /^([|>])([-+]?)(\d?)([-+]?)\s*(#.*)?$/.exec(header.replace(/\r$/, ''));
  if (!m) throw new Error(`bad block scalar header: ${header}`);
  const folded = m[1] === '>';
  const chomp = m[2] || m[4] || '';
  const explicit = m[3] ? Number(m[3]) : 0;
  const minIndent = parent + 1;
  let indent: number;
  let i = lineIdx + 1;
  if (explicit) {
    indent = minIndent + explicit - 1;
  } else {
    let maxIndent = 0;
    let j = i;
    while (j < lines.length && lines[j]!.replace(/\r$/, '').trim() === '') {
      maxIndent = Math.max(maxIndent, indentOf(lines[j]!));
      j++;
    }
    const first = j < lines.length ? indentOf(lines[j]!) : 0;
    indent = Math.max(minIndent, j < lines.length ? Math.max(first, maxIndent) : maxIndent, 1);
  }
  const body: string[] = [];
  for (; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '' && indentOf(raw) <= indent) {
      body.push(raw.slice(indent));
      continue;
    }
    if (indentOf(raw) < indent) break;
    body.push(raw.slice(indent));
  }
  // split trailing empty lines off
  let end = body.length;
  while (end > 0 && body[end - 1] === '') end--;
  const content = body.slice(0, end);
  const trailing = body.length - end;
  let text: string;
  if (!folded) {
    text = content.join('\n');
  } else {
    text = '';
    for (let k = 0; k < content.length; k++) {
      const cur = content[k]!;
      if (k > 0) {
        const prev = content[k - 1]!;
        const moreIndented = (s: string): boolean => s.startsWith(' ') || s.startsWith('\t');
        if (prev === '' || cur === '' || moreIndented(prev) || moreIndented(cur)) text += '\n';
        else text += ' ';
      }
      text += cur;
    }
    text = text.replace(/\n(?=\n)/g, '\n');
  }
  if (content.length === 0) return chomp === '+' ? '\n'.repeat(trailing) : '';
  if (chomp === '-') return text;
  if (chomp === '+') return text + '\n' + '\n'.repeat(trailing);
  return text + '\n';
}

function readPlain(lines: string[], lineIdx: number, col: number, parent: number): string {
  const cut = (s: string): string => {
    const hash = s.search(/\s#/);
    return (hash >= 0 ? s.slice(0, hash) : s).replace(/\s+$/, '');
  };
  let out = cut(lines[lineIdx]!.slice(col));
  let breaks = 0;
  for (let i = lineIdx + 1; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') {
      breaks++;
      continue;
    }
    if (indentOf(raw) <= parent || /^\s*(-\s|#)/.test(raw) || /:(\s|$)/.test(raw)) break;
    out += breaks === 0 ? ' ' : '\n'.repeat(breaks);
    breaks = 0;
    out += cut(raw.trim());
  }
  return out;
}

/** Decodes the YAML scalar that starts at (line, col) of a YAML file (tag `!!binary` allowed). */
export function yamlScalarAt(text: string, line: number, col: number): string {
  const lines = text.split('\n');
  const starts = lineStarts(text);
  const lineIdx = line - 1;
  const lineText = lines[lineIdx];
  if (lineText === undefined) throw new Error(`line ${line} is past the end`);
  const parent = parentIndent(lineText, col);
  let c = col;
  let binary = false;
  if (lineText.startsWith('!!binary', c)) {
    binary = true;
    c += '!!binary'.length;
    while (lineText[c] === ' ') c++;
  }
  const ch = lineText[c];
  let value: string;
  if (ch === "'" || ch === '"') value = readQuoted(text, starts[lineIdx]! + c);
  else if (ch === '|' || ch === '>') value = readBlock(lines, lineIdx, c, parent);
  else value = readPlain(lines, lineIdx, c, parent);
  if (!binary) return value;
  let bytes = Buffer.from(value.replace(/\s+/g, ''), 'base64');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

// ---------------------------------------------------------------------------------------------
// string literals in JavaScript/TypeScript and Python test files

export function stringLiteralAt(text: string, line: number, col: number, lang: 'js' | 'py'): string {
  const start = lineStarts(text)[line - 1]! + col;
  const quote = text[start]!;
  if (!`'"\``.includes(quote)) throw new Error(`no string literal at ${line}:${col}`);
  let out = '';
  let i = start + 1;
  for (;;) {
    const ch = text[i];
    if (ch === undefined) throw new Error('unterminated string literal');
    if (ch === quote) return out;
    if (ch === '\n' && quote !== '`') throw new Error('line break in a one-line string literal');
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    const esc = text[i + 1]!;
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v' };
    if (esc in simple) {
      out += simple[esc];
      i += 2;
    } else if (esc === '0' && !/[0-7]/.test(text[i + 2] ?? '')) {
      out += '\0';
      i += 2;
    } else if (esc === 'x') {
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (esc === 'u' && text[i + 2] !== '{') {
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (esc === '\n') {
      i += 2;
    } else if (esc === '\\' || esc === "'" || esc === '"' || esc === '`') {
      out += esc;
      i += 2;
    } else if (lang === 'py') {
      // Python keeps unknown escapes as written
      out += '\\' + esc;
      i += 2;
    } else {
      out += esc;
      i += 2;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// references

function walk(value: unknown, path: JsonPath, where: string): unknown {
  let cur = value;
  for (const key of path) {
    if (typeof key === 'number') {
      if (!Array.isArray(cur)) throw new Error(`${where}: not an array at ${key}`);
      cur = cur[key];
    } else {
      if (cur === null || typeof cur !== 'object') throw new Error(`${where}: not an object at ${key}`);
      cur = (cur as Record<string, unknown>)[key];
    }
  }
  return cur;
}

export class Sources {
  private readonly roots = new Map<string, string>();
  private readonly cache = new Map<string, string>();

  constructor(args: string[]) {
    for (const arg of args) {
      const eq = arg.indexOf('=');
      if (eq < 0) throw new Error(`expected owner/name=/path/to/checkout, got ${arg}`);
      this.roots.set(arg.slice(0, eq), resolve(arg.slice(eq + 1)));
    }
  }

  file(repo: string, path: string, commit?: string): string {
    const root = this.roots.get(repo);
    if (!root) throw new Error(`no checkout given for ${repo} (pass ${repo}=/path/to/checkout)`);
    const key = `${repo}\0${commit ?? ''}\0${path}`;
    let text = this.cache.get(key);
    if (text === undefined) {
      const bytes = commit
        ? execFileSync('git', ['-C', root, 'show', `${commit}:${path}`], { maxBuffer: 1 << 28 })
        : readFileSync(join(root, path));
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      this.cache.set(key, text);
    }
    return text;
  }

  text(ref: Ref): string {
    const where = `${ref.repo}:${ref.path}${ref.commit ? `@${ref.commit}` : ''}`;
    const file = this.file(ref.repo, ref.path, ref.commit);
    let value: unknown;
    switch (ref.kind) {
      case 'yaml': {
        const scalar = yamlScalarAt(file, ref.line, ref.col);
        value = ref.json ? walk(JSON.parse(scalar), ref.json, where) : scalar;
        break;
      }
      case 'json':
        value = walk(JSON.parse(file), ref.json, where);
        break;
      case 'jsonl': {
        const row = file.split('\n')[ref.row];
        if (row === undefined) throw new Error(`${where}: no row ${ref.row}`);
        value = walk(JSON.parse(row), ref.json, where);
        break;
      }
      case 'literal':
        value = stringLiteralAt(file, ref.line, ref.col, ref.lang);
        break;
      case 'span': {
        const starts = lineStarts(file);
        value = file.slice(starts[ref.line - 1]! + ref.col, starts[ref.endLine - 1]! + ref.endCol);
        break;
      }
      case 'file':
        value = file;
        break;
    }
    if (typeof value !== 'string') throw new Error(`${where}: the reference does not lead to a string`);
    return value;
  }

  resolve(source: TextSource): string {
    return typeof source === 'string' ? source : this.text(source);
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Reads datasets/<dataset>/manifest.json, resolves every item, writes items.jsonl. */
export function buildFromManifest(dataset: string, args: string[]): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = join(here, '..', 'datasets', dataset);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const sources = new Sources(args);
  const lines: string[] = [];
  const ids = new Set<string>();
  for (const item of manifest.items) {
    if (ids.has(item.id)) throw new Error(`duplicate id ${item.id}`);
    ids.add(item.id);
    const response = sources.text(item.response);
    if (sha256(response) !== item.sha256) throw new Error(`${item.id}: response differs from the manifest's`);
    const out: Record<string, unknown> = { id: item.id };
    if (item.group !== undefined) out['group'] = item.group;
    out['question'] = item.question === undefined ? '' : sources.resolve(item.question);
    if (item.system !== undefined) out['system'] = sources.resolve(item.system);
    out['response'] = response;
    out['model'] = item.model === undefined ? '' : sources.resolve(item.model);
    if (item.question_lang !== undefined) out['question_lang'] = item.question_lang;
    if (item.response_lang !== undefined) out['response_lang'] = item.response_lang;
    if (item.finish_reason !== undefined) out['finish_reason'] = sources.resolve(item.finish_reason);
    out['labels'] = item.labels;
    lines.push(JSON.stringify(out));
  }
  writeFileSync(join(dir, 'items.jsonl'), lines.join('\n') + '\n');
  console.log(`${dataset}: ${lines.length} items`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildFromManifest('provider-error-bodies', process.argv.slice(2));
}
