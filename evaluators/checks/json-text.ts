/** Where an answer's JSON is: the JSON text, and whether it sat in a Markdown fence. */
export interface JsonCandidate {
  source: string;
  fenced: boolean;
}

// A fence opening labelled json (or unlabelled but followed by JSON), closed or cut.
const JSON_FENCE = /```[ \t]*(json5?|jsonc)?[ \t]*\r?\n([\s\S]*?)(?:\r?\n[ \t]*```|$)/i;

/**
 * The JSON an answer attempts, or null for prose: the whole answer when it starts with `{` or
 * `[`, else the first ```json fence (or an unlabelled fence whose content starts like JSON).
 */
export function extractJson(text: string): JsonCandidate | null {
  const trimmed = text.trim();
  const first = trimmed[0];
  if (first === '{' || first === '[') return { source: trimmed, fenced: false };
  const idx = trimmed.indexOf('```');
  if (idx < 0) return null;
  const m = JSON_FENCE.exec(trimmed.slice(idx));
  if (!m) return null;
  const body = (m[2] ?? '').trim();
  if (m[1] || body.startsWith('{') || body.startsWith('[')) return { source: body, fenced: true };
  return null;
}

/**
 * Brackets left open at the end of the answer's JSON (strings and escapes respected): > 0 means
 * the JSON was cut. 0 for prose, complete JSON, or JSON broken in some other way.
 */
export function jsonCutDepth(text: string): number {
  const candidate = extractJson(text);
  if (!candidate) return 0;
  const s = candidate.source;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) depth++;
    else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
      // Closed the top level: whatever follows (a remark after the JSON) is not JSON structure.
      if (depth <= 0) return 0;
    }
  }
  return depth;
}

/** Parses JSON; the error is V8's message (it names the position). */
export function parseJson(source: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(source) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
