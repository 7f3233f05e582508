import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTE_KEYS } from '../config.ts';
import type { Attributes } from '../span.ts';
import { classifySpan, normaliseSpan } from './index.ts';
import { spanOf, type Fixture } from '../../test/support/convention-fixtures.ts';
import { toolCallsJson, toolCallsOf, toolDefinitionsJson, toolDefinitionsOf } from './tool-details.ts';

// The call details of migration 0006, read per convention: from testdata fixtures and the
// producer corpus where they carry them, and from small attribute sets for the other keys.
const read = (attributes: Attributes) => {
  const span = spanOf({ name: 'llm', kind: 3, scope: '', status: { code: 0 }, attributes, events: [] });
  const convention = classifySpan(span);
  if (!convention) throw new Error('not a call');
  return normaliseSpan(span, convention, { routeKeys: DEFAULT_ROUTE_KEYS });
};

const fixture = (file: string) => {
  const f = JSON.parse(readFileSync(join(import.meta.dirname, 'testdata', file), 'utf8')) as Fixture;
  return read(spanOf(f.span).attributes);
};

/** The call spans (in order) of a producer-corpus case, with their own attributes. */
function corpusCalls(file: string) {
  const c = JSON.parse(readFileSync(join(import.meta.dirname, 'testdata', 'producers', file), 'utf8')) as {
    request: {
      resourceSpans: Array<{
        scopeSpans: Array<{ spans: Array<{ attributes: Array<{ key: string; value: unknown }> }> }>;
      }>;
    };
  };
  const plain = (v: unknown): unknown => {
    const o = v as Record<string, unknown>;
    if ('stringValue' in o) return o['stringValue'];
    if ('intValue' in o) return Number(o['intValue']);
    if ('doubleValue' in o) return o['doubleValue'];
    if ('boolValue' in o) return o['boolValue'];
    return undefined;
  };
  const spans = c.request.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  return spans
    .map((s) => Object.fromEntries(s.attributes.map((a) => [a.key, plain(a.value)])) as Attributes)
    .filter((a) =>
      classifySpan(spanOf({ name: '', kind: 3, scope: '', status: { code: 0 }, attributes: a, events: [] })),
    )
    .map(read);
}

describe('conversation, user and agent', () => {
  it.each([
    [
      'OTel GenAI',
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.conversation.id': 'c-1',
        'enduser.id': 'u-1',
        'gen_ai.agent.name': 'support',
      },
    ],
    [
      'OpenInference',
      { 'openinference.span.kind': 'LLM', 'session.id': 'c-1', 'user.id': 'u-1', 'agent.name': 'support' },
    ],
    [
      'OpenLLMetry',
      {
        'llm.request.type': 'chat',
        'traceloop.association.properties.session_id': 'c-1',
        'traceloop.association.properties.user_id': 'u-1',
        'gen_ai.agent.name': 'support',
      },
    ],
    [
      'Vercel AI legacy',
      {
        'ai.operationId': 'ai.generateText.doGenerate',
        'ai.telemetry.metadata.sessionId': 'c-1',
        'ai.telemetry.metadata.userId': 'u-1',
        'gen_ai.agent.name': 'support',
      },
    ],
  ] as Array<[string, Attributes]>)('%s', (_name, attrs) => {
    expect(read(attrs)).toMatchObject({ conversation_id: 'c-1', user_id: 'u-1', agent_name: 'support' });
  });

  it('reads the OpenLLMetry association user id from its fixture, and ADK session and user from the corpus', () => {
    expect(fixture('openllmetry-legacy-openai-tools.json').user_id).toBe('u-42');
    expect(corpusCalls('google-adk-openinference-veadk.json')[0]).toMatchObject({
      conversation_id: 'veadk_example_session',
      user_id: 'veadk_default_user',
    });
  });
});

describe('request parameters', () => {
  it('reads OTel attributes, OpenInference invocation parameters and AI SDK settings; null when absent', () => {
    expect(
      read({
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.temperature': 0,
        'gen_ai.request.max_tokens': 256,
        'gen_ai.request.top_p': 0.9,
      }),
    ).toMatchObject({ temperature: 0, max_tokens: 256, top_p: 0.9 });
    expect(
      read({
        'openinference.span.kind': 'LLM',
        'llm.invocation_parameters': '{"temperature":0.2,"max_completion_tokens":64}',
      }),
    ).toMatchObject({ temperature: 0.2, max_tokens: 64, top_p: null });
    expect(
      read({
        'ai.operationId': 'ai.streamText.doStream',
        'ai.settings.temperature': 0.5,
        'ai.settings.maxOutputTokens': 100,
      }),
    ).toMatchObject({ temperature: 0.5, max_tokens: 100 });
    expect(read({ 'gen_ai.operation.name': 'chat' })).toMatchObject({
      temperature: null,
      max_tokens: null,
      top_p: null,
    });
  });
});

describe('time to first token', () => {
  it('reads seconds (OTel, AI SDK v7) and milliseconds (AI SDK legacy) as ms', () => {
    expect(fixture('vercel-v7-genai-chat.json').time_to_first_token_ms).toBeCloseTo(120);
    expect(fixture('vercel-v6-stream-text-do-stream.json').time_to_first_token_ms).toBeCloseTo(23.748454);
    expect(fixture('vercel-v3-stream-text.json').time_to_first_token_ms).toBe(120);
    expect(
      read({ 'gen_ai.operation.name': 'chat', 'gen_ai.response.time_to_first_chunk': 0.35 })
        .time_to_first_token_ms,
    ).toBeCloseTo(350);
    expect(fixture('otel-error-type.json').time_to_first_token_ms).toBeNull();
  });
});

describe('cache and reasoning tokens', () => {
  it('reads each convention', () => {
    expect(corpusCalls('pydantic-ai-2026-chat.json')[0]).toMatchObject({
      cached_input_tokens: 20,
      cache_write_tokens: 10,
      reasoning_tokens: 30,
    });
    expect(
      read({
        'openinference.span.kind': 'LLM',
        'llm.token_count.prompt_details.cache_read': 7,
        'llm.token_count.completion_details.reasoning': 9,
      }),
    ).toMatchObject({ cached_input_tokens: 7, reasoning_tokens: 9 });
    expect(
      read({
        'llm.request.type': 'chat',
        'gen_ai.usage.cache_read_input_tokens': 3,
        'gen_ai.usage.reasoning_tokens': 4,
      }),
    ).toMatchObject({ cached_input_tokens: 3, reasoning_tokens: 4 });
    expect(
      read({
        'ai.operationId': 'ai.streamText.doStream',
        'ai.usage.cachedInputTokens': 5,
        'ai.usage.reasoningTokens': 6,
      }),
    ).toMatchObject({ cached_input_tokens: 5, reasoning_tokens: 6 });
  });
});

describe('content filter', () => {
  it('is `filtered` for a content_filter finish, the guardrail result otherwise, else empty', () => {
    expect(
      read({ 'gen_ai.operation.name': 'chat', 'gen_ai.response.finish_reasons': ['content_filter'] })
        .content_filter,
    ).toBe('filtered');
    expect(
      read({ 'ai.operationId': 'ai.generateText.doGenerate', 'ai.response.finishReason': 'content-filter' })
        .content_filter,
    ).toBe('filtered');
    expect(
      read({ 'gen_ai.operation.name': 'chat', 'gen_ai.guardrail.result': 'BLOCKED' }).content_filter,
    ).toBe('blocked');
    expect(
      read({ 'gen_ai.operation.name': 'chat', 'gen_ai.response.finish_reasons': ['stop'] }).content_filter,
    ).toBe('');
  });
});

describe('tool calls of the answer', () => {
  it('reads them from every convention through the rendered answer, also multi-line arguments', () => {
    expect(corpusCalls('openinference-litellm.json')[0]?.toolCalls).toEqual([
      { name: 'get_current_weather', arguments: '{"location":"San Francisco, CA"}' },
    ]);
    expect(
      toolCallsOf([
        {
          role: 'assistant',
          content: 'Let me look.\ntool_call a({\n  "x": 1\n})\ntool_call b()\ntool_call c(plain)',
        },
      ]),
    ).toEqual([
      { name: 'a', arguments: '{\n  "x": 1\n}' },
      { name: 'b', arguments: '' },
      { name: 'c', arguments: 'plain' },
    ]);
    expect(toolCallsOf([{ role: 'assistant', content: 'no tools here' }])).toEqual([]);
  });

  it('stores arguments through redaction, names only when capture is off, and nothing when none', () => {
    const calls = [{ name: 'lookup', arguments: '{"email":"a@b.c"}' }];
    expect(toolCallsJson(calls, true, () => '[redacted]')).toBe(
      '[{"name":"lookup","arguments":"[redacted]"}]',
    );
    expect(toolCallsJson(calls, false, (s) => s)).toBe('[{"name":"lookup"}]');
    expect(toolCallsJson([], true, (s) => s)).toBe('');
  });
});

describe('tool definitions', () => {
  const weather = { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } };
  it.each([
    [
      'OTel gen_ai.tool.definitions',
      { 'gen_ai.tool.definitions': JSON.stringify([{ type: 'function', ...weather }]) },
    ],
    [
      'Chat Completions shape',
      { 'gen_ai.tool.definitions': JSON.stringify([{ type: 'function', function: weather }]) },
    ],
    [
      'OpenInference llm.tools',
      { 'llm.tools.0.tool.json_schema': JSON.stringify({ type: 'function', function: weather }) },
    ],
    [
      'OpenLLMetry llm.request.functions',
      {
        'llm.request.functions.0.name': 'get_weather',
        'llm.request.functions.0.description': 'Weather',
        'llm.request.functions.0.parameters': '{"type":"object"}',
      },
    ],
    [
      'AI SDK ai.prompt.tools',
      {
        'ai.prompt.tools': [
          JSON.stringify({
            type: 'function',
            name: 'get_weather',
            description: 'Weather',
            inputSchema: { type: 'object' },
          }),
        ],
      },
    ],
    [
      'Anthropic input_schema',
      {
        request_data: JSON.stringify({
          tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' } }],
        }),
      },
    ],
    [
      'Gemini function_declarations',
      { 'llm.invocation_parameters': JSON.stringify({ tools: [{ function_declarations: [weather] }] }) },
    ],
  ] as Array<[string, Attributes]>)('%s', (_name, attrs) => {
    expect(toolDefinitionsOf(attrs)).toEqual([weather]);
  });

  it('reads the corpus producers that offer tools', () => {
    const names = (file: string) => corpusCalls(file)[0]?.toolDefinitions.map((d) => d.name);
    expect(names('google-adk-openinference-veadk.json')).toEqual(['get_city_weather']);
    expect(names('openinference-litellm.json')).toEqual(['get_current_weather']);
    expect(names('logfire-openai-tool-call-stream.json')).toEqual(['get_current_weather']);
  });

  it('stays valid JSON under the size limit: schemas dropped first, then descriptions', () => {
    expect(JSON.parse(toolDefinitionsJson([weather], true, 10_000))).toEqual([weather]);
    expect(JSON.parse(toolDefinitionsJson([weather], true, 50))).toEqual([
      { name: 'get_weather', description: 'Weather' },
    ]);
    expect(JSON.parse(toolDefinitionsJson([weather], true, 10))).toEqual([{ name: 'get_weather' }]);
    expect(JSON.parse(toolDefinitionsJson([weather], false, 10_000))).toEqual([{ name: 'get_weather' }]);
    expect(toolDefinitionsJson([], true, 100)).toBe('');
  });
});
