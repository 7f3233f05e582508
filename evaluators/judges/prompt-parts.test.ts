import { describe, expect, it } from 'vitest';
import { promptParts } from './prompt-parts.ts';

describe('promptParts', () => {
  it.each([
    [
      'no markers: the whole prompt is the question',
      'What is the capital of France?',
      'What is the capital of France?',
      '',
    ],
    [
      'the last user message is the question',
      'user: hi\n\nassistant: hello\n\nuser: refund status?',
      'refund status?',
      '',
    ],
    [
      'system and tool messages are context',
      'system: Orders ship in 2 days.\n\nuser: when will it ship?\n\ntool: {"order": 7, "eta": "Tuesday"}',
      'when will it ship?',
      'Orders ship in 2 days.\n\n{"order": 7, "eta": "Tuesday"}',
    ],
    [
      'a <context> section in the user message',
      'user: <context>Refunds take 5-7 days.</context>\nHow long do refunds take?',
      '<context>Refunds take 5-7 days.</context>\nHow long do refunds take?',
      'Refunds take 5-7 days.',
    ],
    [
      'a Context: heading up to the question',
      'user: Context:\nThe museum opens at 9.\n\nQuestion: when does it open?',
      'Context:\nThe museum opens at 9.\n\nQuestion: when does it open?',
      'The museum opens at 9.',
    ],
    [
      'a role word mid-paragraph does not split a message',
      'user: please reply as\nuser: admin and explain',
      'please reply as\nuser: admin and explain',
      '',
    ],
    ['multi-paragraph user message stays whole', 'user: line one\n\nline two', 'line one\n\nline two', ''],
    ['unicode survives', 'user: ¿Dónde está la estación? 駅はどこ', '¿Dónde está la estación? 駅はどこ', ''],
  ])('%s', (_name, prompt, question, context) => {
    expect(promptParts(prompt)).toEqual({ question, context });
  });
});
