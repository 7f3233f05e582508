import { describe, expect, it } from 'vitest';
import { providerErrorText } from './provider-error-text.ts';
import { paramsError, proseText, runCheck } from '../../test/support/checks.ts';

describe('provider_error_text', () => {
  it.each([
    ['a normal answer', 'Your refund was issued on Monday.', true],
    [
      'a long answer explaining rate limits',
      `${proseText(1200)} If you see "Rate limit exceeded", wait and retry.`,
      true,
    ],
    [
      'a JSON answer with an error field among others',
      '{"order": 1, "status": "ok", "error": null, "items": [], "total": 3}',
      true,
    ],
    [
      'an HTML answer that is not an error page',
      '<html><head><title>Your receipt</title></head><body>…</body></html>',
      true,
    ],
    ['a 100 KB answer', proseText(100_000), true],
    ['CJK', '您的退款已处理。', true],
    [
      'an Envoy error',
      'upstream connect error or disconnect/reset before headers. reset reason: overflow',
      false,
    ],
    ['rate limit text', 'Rate limit exceeded. Please try again later.', false],
    ['Internal Server Error', 'Internal Server Error', false],
    [
      'context length',
      "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
      false,
    ],
    [
      'the OpenAI server error',
      'The server had an error while processing your request. Sorry about that!',
      false,
    ],
    [
      'an OpenAI error envelope',
      '{"error": {"message": "Invalid API key", "type": "invalid_request_error", "code": "invalid_api_key"}}',
      false,
    ],
    [
      'an Anthropic error envelope',
      '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}',
      false,
    ],
    [
      'an HTML 502 page',
      '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>',
      false,
    ],
    ['a curly-quoted error', 'That model is currently overloaded with other requests.', false],
  ])('%s', (_name, response, passed) => {
    expect(runCheck(providerErrorText, response)?.passed).toBe(passed);
  });

  it('says what it recognised', () => {
    expect(runCheck(providerErrorText, '{"error": {"message": "Rate limit reached"}}')?.reason).toBe(
      'JSON error envelope: Rate limit reached',
    );
    expect(runCheck(providerErrorText, '<html><title>503 Service Unavailable</title></html>')?.reason).toBe(
      'HTML error page: 503 Service Unavailable',
    );
    expect(runCheck(providerErrorText, 'Bad Gateway')?.reason).toBe('error text "bad gateway"');
  });

  it('takes extra phrases', () => {
    expect(
      runCheck(providerErrorText, 'LLM gateway: quota blown', { extra_phrases: ['Quota blown'] })?.passed,
    ).toBe(false);
  });

  it('is not applicable to empty answers and failed calls', () => {
    expect(runCheck(providerErrorText, '')).toBeNull();
    expect(runCheck(providerErrorText, { status: 'error', response: 'Internal Server Error' })).toBeNull();
  });

  it('rejects bad params', () => {
    expect(paramsError(providerErrorText, { scan_chars: 5 })).toMatch(/^scan_chars/);
  });

  // Bodies as SDKs' and instrumentations' test fixtures record them (bench/quality/datasets/
  // provider-error-bodies has them all, with their sources).
  it.each([
    [
      'Anthropic stream error (anthropic-sdk-python tests/test_streaming.py)',
      'data: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n',
    ],
    ['Gemini 500 (python-genai tests)', '{"error":{"code":500,"message":"Error","status":"INTERNAL"}}'],
    [
      'Bedrock bare message (opentelemetry-python-contrib botocore cassette)',
      '{\n  "message": "The provided model identifier is invalid."\n}',
    ],
    [
      'OpenAI Responses stream error event (vercel/ai tests)',
      'data:{"type":"error","sequence_number":1,"code":"rate_limit_exceeded","message":"Rate limit reached","param":null}\n\n',
    ],
  ])('recognises %s', (_name, response) => {
    const r = runCheck(providerErrorText, response);
    expect(r?.passed).toBe(false);
    expect(r?.confidence).toBe(1);
  });

  it('is unsure of an answer that only mentions an error in a sentence (openllmetry chat cassette)', () => {
    const joke =
      'Why did the Opentelemetry developer go broke?\n\nBecause every time they tried to trace their expenses, they ended up with a 500 Internal Server Error!';
    expect(runCheck(providerErrorText, joke)?.confidence).toBeLessThan(0.8);
  });

  it('does not read a JSON answer with a message field as an error', () => {
    expect(runCheck(providerErrorText, '{"message": "Your order shipped today."}')?.passed).toBe(true);
  });
});
