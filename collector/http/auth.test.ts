import { describe, expect, it } from 'vitest';
import { createBearerCheck } from './auth.ts';

describe('createBearerCheck', () => {
  it('is open when no keys are configured', () => {
    expect(createBearerCheck([])(undefined)).toBe(true);
  });

  it('accepts any configured key as a bearer token and nothing else', () => {
    const check = createBearerCheck(['key-one-12345', 'key-two-67890']);
    expect(check('Bearer key-two-67890')).toBe(true);
    expect(check('bearer key-one-12345')).toBe(true);
    expect(check('Bearer key-two-6789')).toBe(false);
    expect(check('key-one-12345')).toBe(false);
    expect(check('Basic a2V5LW9uZS0xMjM0NQ==')).toBe(false);
    expect(check(undefined)).toBe(false);
  });
});
