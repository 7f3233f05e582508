import { z } from 'zod';

/** What a judge must answer: the contract of the judge's JSON, validated at this edge. */
export const judgeVerdictSchema = z.object({
  /** 0..1, or a 1–5 scale (mapped to 0..1); numeric strings are accepted. */
  score: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v),
    z.number().min(0).max(5),
  ),
  verdict: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z.enum(['pass', 'fail']),
  ),
  reasoning: z.string(),
});

/** A judge's answer after parsing: the score is on 0..1. */
export interface ParsedVerdict {
  score: number;
  verdict: 'pass' | 'fail';
  reasoning: string;
}

export type ParseResult = { ok: true; value: ParsedVerdict } | { ok: false; error: string };

/** JSON Schema for `response_format: json_schema` (strict structured outputs). */
export const JUDGE_RESPONSE_FORMAT = {
  type: 'json_schema',
  json_schema: {
    name: 'judge_verdict',
    strict: true,
    schema: {
      type: 'object',
      properties: {
        score: { type: 'number', description: '0 (worst) to 1 (best)' },
        verdict: { type: 'string', enum: ['pass', 'fail'] },
        reasoning: { type: 'string', description: 'one or two sentences' },
      },
      required: ['score', 'verdict', 'reasoning'],
      additionalProperties: false,
    },
  },
} as const;

const FENCE = /```(?:json)?\s*\n?([\s\S]*?)```/i;

/** The JSON text in a reply: inside a code fence if there is one, else from the first `{` to the last `}`. */
function jsonText(content: string): string | undefined {
  const fenced = FENCE.exec(content)?.[1];
  const text = fenced ?? content;
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  return start >= 0 && end > start ? text.slice(start, end + 1) : undefined;
}

/**
 * A score above 1 is read as a 1–5 scale (1 → 0, 5 → 1); exactly 1 stays 1 because the judge is
 * asked for 0..1. Anything above 5 fails validation.
 */
const normalise = (score: number): number => (score > 1 ? (score - 1) / 4 : score);

/** Parses a judge's reply; the error says what was wrong, for the repair prompt. */
export function parseJudgeOutput(content: string | null | undefined): ParseResult {
  if (!content?.trim()) return { ok: false, error: 'the reply was empty' };
  const text = jsonText(content);
  if (text === undefined) return { ok: false, error: 'the reply contained no JSON object' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: 'the reply was not valid JSON' };
  }
  const parsed = judgeVerdictSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, error: `the JSON did not match the expected shape (${where})` };
  }
  const { score, verdict, reasoning } = parsed.data;
  return { ok: true, value: { score: normalise(score), verdict, reasoning: reasoning.trim() } };
}

/** The follow-up message after a malformed reply: quotes it (cut) and restates the expected shape. */
export function repairPrompt(badOutput: string, error: string): string {
  const quoted = badOutput.length > 1000 ? `${badOutput.slice(0, 1000)}…` : badOutput;
  return [
    `Your previous reply could not be used: ${error}.`,
    'Previous reply:',
    '"""',
    quoted,
    '"""',
    'Reply again with only a JSON object of exactly this shape and nothing else:',
    '{"score": <number from 0 to 1>, "verdict": "pass" | "fail", "reasoning": "<one or two sentences>"}',
  ].join('\n');
}
