import { describe, expect, it } from 'vitest';
import { jsonValid } from './json-valid.ts';
import { paramsError, proseText, runCheck } from '../../test/support/checks.ts';

const fence = '```';

describe('json_valid', () => {
  it.each([
    ['an object', '{"refund_id": "r-1", "amount": 19.99}', true],
    ['an array', '[1, 2, 3]', true],
    ['a ```json fence', `${fence}json\n{"refund_id": "r-1"}\n${fence}`, true],
    [
      'prose before a ```json fence',
      `Here it is:\n\n${fence}json\n{"ok": true}\n${fence}\n\nAnything else?`,
      true,
    ],
    ['an unlabelled fence holding JSON', `${fence}\n{"ok": true}\n${fence}`, true],
    ['unicode, emoji and RTL strings', '{"msg": "退款 🎉 تم", "n": 1}', true],
    [
      'a 100 KB JSON array',
      JSON.stringify(Array.from({ length: 4000 }, (_, i) => ({ i, s: 'abcdefghij' }))),
      true,
    ],
    ['a trailing comma', '{"refund_id": "r-1",}', false],
    ['single quotes', "{'refund_id': 'r-1'}", false],
    ['JSON cut off', '{"refund_id": "r-1", "items": [', false],
    ['a broken ```json fence', `${fence}json\n{"ok": tru}\n${fence}`, false],
  ])('%s', (_name, response, passed) => {
    expect(runCheck(jsonValid, response)?.passed).toBe(passed);
  });

  it('reports where the JSON breaks', () => {
    expect(runCheck(jsonValid, '{"a": 1,}')?.reason).toMatch(/^invalid JSON: .*position 8/);
  });

  it.each([
    ['prose', proseText(300)],
    ['empty', ''],
    ['a non-JSON code fence', `${fence}python\nprint(1)\n${fence}`],
  ])('does not apply to %s by default', (_name, response) => {
    expect(runCheck(jsonValid, response)).toBeNull();
  });

  it('with always: true, prose fails', () => {
    expect(runCheck(jsonValid, 'Sure! Here is your refund.', { always: true })).toMatchObject({
      passed: false,
      reason: 'answer is not JSON',
    });
    expect(runCheck(jsonValid, { response: '', finish_reason: 'tool_call' }, { always: true })).toBeNull();
  });

  it('does not judge JSON that storage cut', () => {
    expect(runCheck(jsonValid, '{"items": [1, 2, 3…[truncated 900 chars]')).toBeNull();
  });

  it('rejects bad params', () => {
    expect(paramsError(jsonValid, { always: 1 })).toMatch(/^always/);
  });
});
