import { describe, expect, it } from 'vitest';
import { redactionConfigSchema } from '../config.ts';
import { luhnValid } from '../../core/luhn.ts';
import { createRedactor, truncateText } from './redaction.ts';

const defaults = redactionConfigSchema.parse({});
const redact = createRedactor(defaults);

describe('createRedactor', () => {
  it.each([
    ['email', 'Mail jane.doe+billing@example.co.uk today', 'Mail [REDACTED:email] today'],
    ['card (spaces)', 'Card 4111 1111 1111 1111 expires', 'Card [REDACTED:card_number] expires'],
    ['card (dashes)', 'Card 5500-0000-0000-0004.', 'Card [REDACTED:card_number].'],
    ['card (plain)', 'pan=378282246310005', 'pan=[REDACTED:card_number]'],
    ['openai key', 'key sk-proj-abcdEFGH1234ijklMNOP5678qrst', 'key [REDACTED:openai_key]'],
    ['openai legacy key', 'sk-abcdefghijklmnopqrstuvwxyz012345', '[REDACTED:openai_key]'],
    [
      'anthropic key',
      'ANTHROPIC_API_KEY=sk-ant-api03-abcdefghijklmnopqrstuvwx',
      'ANTHROPIC_API_KEY=[REDACTED:anthropic_key]',
    ],
    ['aws key', 'id AKIAIOSFODNN7EXAMPLE ok', 'id [REDACTED:aws_access_key] ok'],
    ['github token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', '[REDACTED:github_token]'],
    ['slack token', 'xoxb-1234567890-abcdefghij', '[REDACTED:slack_token]'],
    ['google key', 'AIzaSyA-1234567890abcdefghijklmnopqrstu', '[REDACTED:google_api_key]'],
    [
      'bearer',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc',
      'Authorization: [REDACTED:bearer_token]',
    ],
    [
      'private key',
      'k:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nend',
      'k:\n[REDACTED:private_key]\nend',
    ],
    ['unterminated private key', 'x -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg', 'x [REDACTED:private_key]'],
  ])('%s', (_kind, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('redacts every kind in one text, each with its own tag, and keeps the text between them', () => {
    const text =
      'mail ops@example.com, card 4111 1111 1111 1111, key sk-ant-api03-abcdefghijklmnopqrstuvwx, ' +
      'aws AKIAIOSFODNN7EXAMPLE, order 4111 1111 1111 1112, Bearer abcdefghijklmnop1234 end';
    expect(redact(text)).toBe(
      'mail [REDACTED:email], card [REDACTED:card_number], key [REDACTED:anthropic_key], ' +
        'aws [REDACTED:aws_access_key], order 4111 1111 1111 1112, [REDACTED:bearer_token] end',
    );
  });

  it('leaves digit runs that fail the Luhn check (order numbers, phone numbers)', () => {
    const text = 'Order 4111 1111 1111 1112 and phone 1234567890123';
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(redact(text)).toBe(text);
  });

  it('applies custom patterns and honours per-kind switches', () => {
    const r = createRedactor(
      redactionConfigSchema.parse({
        emails: false,
        custom: [{ name: 'ssn', pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b' }],
      }),
    );
    expect(r('ssn 123-45-6789 mail a@b.io')).toBe('ssn [REDACTED:ssn] mail a@b.io');
  });

  it('is the identity when disabled', () => {
    const off = createRedactor(redactionConfigSchema.parse({ enabled: false }));
    const text = 'jane@example.com 4111 1111 1111 1111 sk-abcdefghijklmnopqrstuvwxyz012345';
    expect(off(text)).toBe(text);
  });

  it('handles a 16 KB text with many near-misses and finds the secrets in it', () => {
    const filler = 'aaaa@bbbb 1234-5678 sk-short Bearer x ghp_ xox- '.repeat(300);
    const digits = '9'.repeat(2000);
    const text = `${filler}write to ops@example.com ${digits} AKIAIOSFODNN7EXAMPLE`;
    expect(text.length).toBeGreaterThan(16_000);
    const expected = `${filler}write to [REDACTED:email] ${digits} [REDACTED:aws_access_key]`;
    // Compared as a boolean so a failure does not print 16 KB.
    expect(redact(text) === expected).toBe(true);
  });
});

describe('truncateText', () => {
  it('keeps short texts as they are', () => {
    expect(truncateText('hello', 5)).toBe('hello');
    expect(truncateText('👋🏽 hi', 5)).toBe('👋🏽 hi');
  });

  it('cuts at code points and never splits a surrogate pair', () => {
    const out = truncateText('ab😀😀😀cd', 3);
    expect(out).toBe('ab😀…[truncated 4 chars]');
    // No lone surrogate left at the cut.
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('counts what was dropped', () => {
    expect(truncateText('x'.repeat(20_000), 16_384)).toBe(`${'x'.repeat(16_384)}…[truncated 3616 chars]`);
  });
});
