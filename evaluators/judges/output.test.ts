import { describe, expect, it } from 'vitest';
import { parseJudgeOutput, repairPrompt } from './output.ts';

describe('parseJudgeOutput', () => {
  it.each([
    ['plain JSON', '{"score": 0.8, "verdict": "pass", "reasoning": "On topic."}', 0.8, 'pass'],
    [
      'JSON in a code fence',
      'Here you go:\n```json\n{"score": 0.2, "verdict": "fail", "reasoning": "Off topic."}\n```',
      0.2,
      'fail',
    ],
    [
      'JSON with prose around it',
      'My verdict: {"score": 1, "verdict": "PASS", "reasoning": "ok"} Thanks.',
      1,
      'pass',
    ],
    ['a 1–5 scale: 5 → 1', '{"score": 5, "verdict": "pass", "reasoning": "x"}', 1, 'pass'],
    ['a 1–5 scale: 3 → 0.5', '{"score": 3, "verdict": "fail", "reasoning": "x"}', 0.5, 'fail'],
    ['a numeric string', '{"score": "0.4", "verdict": "fail", "reasoning": "x"}', 0.4, 'fail'],
    [
      'extra fields are ignored',
      '{"score": 0, "verdict": "fail", "reasoning": "x", "confidence": 0.9}',
      0,
      'fail',
    ],
  ])('accepts %s', (_name, content, score, verdict) => {
    const r = parseJudgeOutput(content);
    expect(r).toMatchObject({ ok: true, value: { score, verdict } });
  });

  it.each([
    ['empty', '', 'empty'],
    ['null', null, 'empty'],
    ['garbage', 'I think the answer is fine.', 'no JSON object'],
    ['broken JSON', '{"score": 0.8, "verdict": "pass", "reasoning": }', 'not valid JSON'],
    ['missing score', '{"verdict": "pass", "reasoning": "x"}', 'score'],
    ['missing verdict', '{"score": 0.9, "reasoning": "x"}', 'verdict'],
    ['missing reasoning', '{"score": 0.9, "verdict": "pass"}', 'reasoning'],
    ['a verdict out of the enum', '{"score": 0.9, "verdict": "maybe", "reasoning": "x"}', 'verdict'],
    ['a score above 5', '{"score": 8, "verdict": "pass", "reasoning": "x"}', 'score'],
    ['a negative score', '{"score": -1, "verdict": "fail", "reasoning": "x"}', 'score'],
  ])('rejects %s', (_name, content, error) => {
    const r = parseJudgeOutput(content);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(error);
  });

  it('the repair prompt quotes the bad reply (cut) and restates the shape', () => {
    const text = repairPrompt('x'.repeat(5000), 'the reply contained no JSON object');
    expect(text).toContain('the reply contained no JSON object');
    expect(text).toContain('"verdict": "pass" | "fail"');
    expect(text.length).toBeLessThan(1500);
  });
});
