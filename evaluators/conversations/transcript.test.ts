import { describe, expect, it } from 'vitest';
import { buildTranscript, type TranscriptCall } from './transcript.ts';

const call = (over: Partial<TranscriptCall>): TranscriptCall => ({
  prompt: '',
  response: '',
  status: 'ok',
  error_type: '',
  tool_calls: '',
  ...over,
});

describe('buildTranscript', () => {
  it('writes each message once, in order, though every prompt resends the history', () => {
    const t = buildTranscript([
      call({ prompt: 'system: Be brief.\n\nuser: Where is order 7?', response: 'It ships today.' }),
      call({
        prompt:
          'system: Be brief.\n\nuser: Where is order 7?\n\nassistant: It ships today.\n\nuser: And order 8?',
        response: 'Order 8 shipped yesterday.',
      }),
    ]);
    expect(t).toBe(
      [
        'system: Be brief.',
        'user: Where is order 7?',
        'assistant: It ships today.',
        'user: And order 8?',
        'assistant: Order 8 shipped yesterday.',
      ].join('\n\n'),
    );
  });

  it('reads a prompt without role markers as the user message, and says when a call failed or called tools', () => {
    const t = buildTranscript([
      call({ prompt: 'Reset my password', tool_calls: '[{"name":"reset_password","arguments":"{}"}]' }),
      call({ prompt: 'Reset my password', status: 'error', error_type: '429' }),
    ]);
    expect(t).toBe(
      [
        'user: Reset my password',
        'assistant: [called reset_password]',
        'assistant: [the call failed: 429]',
      ].join('\n\n'),
    );
  });

  it('writes an answer the assistant repeated every time it was given', () => {
    const t = buildTranscript([
      call({ prompt: 'user: a', response: 'Please retry.' }),
      call({ prompt: 'user: a\n\nassistant: Please retry.\n\nuser: b', response: 'Please retry.' }),
      call({
        prompt: 'user: a\n\nassistant: Please retry.\n\nuser: b\n\nassistant: Please retry.\n\nuser: b',
        response: 'Done.',
      }),
    ]);
    expect(t).toBe(
      [
        'user: a',
        'assistant: Please retry.',
        'user: b',
        'assistant: Please retry.',
        'user: b',
        'assistant: Done.',
      ].join('\n\n'),
    );
  });
});
