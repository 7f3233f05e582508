import { describe, expect, it } from 'vitest';
import type { Attributes, SpanEvent } from '../span.ts';
import { contentFilterOf } from './content-filter.ts';

/** Azure OpenAI's per-category results, as its chat completions response carries them. */
const results = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({
    hate: { filtered: false, severity: 'safe' },
    self_harm: { filtered: false, severity: 'safe' },
    sexual: { filtered: false, severity: 'safe' },
    violence: { filtered: false, severity: 'low' },
    jailbreak: { filtered: false, detected: false },
    custom_blocklists: { filtered: false, details: [] },
    ...over,
  });

const guardrail = (type: string, value: unknown): SpanEvent => ({
  name: 'gen_ai.guardrail.result',
  timeMs: 0,
  attributes: { 'gen_ai.guardrail.result.type': type, 'gen_ai.guardrail.result.value': value } as Attributes,
});

describe('contentFilterOf', () => {
  it.each<[string, Attributes, string, SpanEvent[], string]>([
    ['a plain answer', {}, 'stop', [], ''],
    ['a content_filter finish', {}, 'content_filter', [], 'filtered'],
    // OpenLLMetry's OpenAI instrumentation on Azure (legacy attributes).
    [
      'Azure results with a filtered category on a choice',
      {
        'gen_ai.completion.0.content_filter_results': results({ hate: { filtered: true, severity: 'high' } }),
      },
      'stop',
      [],
      'filtered',
    ],
    [
      'Azure results that only annotate severities',
      { 'gen_ai.completion.0.content_filter_results': results() },
      'stop',
      [],
      '',
    ],
    [
      'a custom blocklist match (older list form)',
      {
        'gen_ai.completion.0.content_filter_results': results({
          custom_blocklists: [{ id: 'b1', filtered: true }],
        }),
      },
      'stop',
      [],
      'filtered',
    ],
    [
      'Azure prompt filter results with a filtered prompt',
      {
        'gen_ai.prompt.prompt_filter_results': JSON.stringify([
          {
            prompt_index: 0,
            content_filter_results: JSON.parse(results({ jailbreak: { filtered: true, detected: true } })),
          },
        ]),
      },
      'stop',
      [],
      'prompt_filtered',
    ],
    [
      'Azure prompt filter results that let the prompt through',
      {
        'gen_ai.prompt.prompt_filter_results': JSON.stringify([
          { prompt_index: 0, content_filter_results: JSON.parse(results()) },
        ]),
      },
      'stop',
      [],
      '',
    ],
    [
      "Azure's 400 for a filtered prompt",
      {
        'gen_ai.prompt.prompt_error': JSON.stringify({
          message: 'The response was filtered',
          code: 'content_filter',
          innererror: {
            code: 'ResponsibleAIPolicyViolation',
            content_filter_result: JSON.parse(results({ hate: { filtered: true, severity: 'high' } })),
          },
        }),
      },
      '',
      [],
      'prompt_filtered',
    ],
    [
      'a guardrail result attribute',
      { 'gen_ai.guardrail.result': 'GUARDRAIL_INTERVENED' },
      'stop',
      [],
      'guardrail_intervened',
    ],
    // gen_ai.guardrail.result span events (OTel GenAI guardrail conventions).
    [
      'a Bedrock action event that intervened',
      {},
      'stop',
      [guardrail('action', 'GUARDRAIL_INTERVENED')],
      'guardrail_intervened',
    ],
    ['a Bedrock action event that let it through', {}, 'stop', [guardrail('action', 'NONE')], 'none'],
    [
      'an OpenAI Agents tripwire event',
      {},
      'stop',
      [guardrail('tripwire_triggered', true)],
      'tripwire_triggered',
    ],
    ['an untriggered tripwire', {}, 'stop', [guardrail('tripwire_triggered', false)], 'none'],
    [
      'several events: the one that matched wins',
      {},
      'stop',
      [guardrail('filter_match_state', 'NO_MATCH_FOUND'), guardrail('filter_match_state', 'MATCH_FOUND')],
      'match_found',
    ],
    ['a severity event (a score, not a verdict)', {}, 'stop', [guardrail('severity', 4)], ''],
  ])('%s', (_name, attrs, finish, events, expected) => {
    expect(contentFilterOf(attrs, finish, events)).toBe(expected);
  });
});
