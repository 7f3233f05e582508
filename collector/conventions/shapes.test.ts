import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTE_KEYS } from '../config.ts';
import type { Attributes } from '../span.ts';
import { classifySpan, normaliseSpan } from './index.ts';
import { renderContent } from './messages.ts';
import { spanOf } from '../../test/support/convention-fixtures.ts';

const read = (attributes: Attributes, name = 'llm') => {
  const span = spanOf({ name, kind: 3, scope: '', status: { code: 0 }, attributes, events: [] });
  const convention = classifySpan(span);
  return convention && normaliseSpan(span, convention, { routeKeys: DEFAULT_ROUTE_KEYS });
};

describe('content shapes', () => {
  it('renders a JSON array of OpenAI tool calls held as content with names and arguments', () => {
    const content = JSON.stringify([
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    ]);
    expect(renderContent(content)).toBe('tool_call get_weather({"city":"Paris"})');
    expect(renderContent('[{"function_call": {"name": "f", "args": {"x": 1}}}]')).toBe(
      'tool_call f({"x":1})',
    );
  });

  it('reads an OpenInference output.value chat completion whose message is only tool calls', () => {
    const call = read({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o',
      'output.value': JSON.stringify({
        choices: [
          {
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [{ function: { name: 'lookup', arguments: '{"id":7}' } }],
            },
          },
        ],
      }),
    });
    expect(call?.output).toEqual([{ role: 'assistant', content: 'tool_call lookup({"id":7})' }]);
  });

  it('reads llm.prompts given as a string array', () => {
    const call = read({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-3.5-turbo-instruct',
      'llm.prompts': ['Say hi.'],
    });
    expect(call?.input).toEqual([{ role: 'user', content: 'Say hi.' }]);
  });
});

describe('provider', () => {
  it('skips a framework name in gen_ai.system for the next key', () => {
    const call = read({
      'gen_ai.system': 'gcp.vertex.agent',
      'gen_ai.request.model': 'gemini-2.5-flash',
      'llm.provider': 'google',
    });
    expect(call?.provider).toBe('gcp.gemini');
  });

  it('takes a provider prefix of the model id when no key names one', () => {
    expect(
      read({ 'gen_ai.system': 'gcp.vertex.agent', 'gen_ai.request.model': 'anthropic/claude-sonnet-4' })
        ?.provider,
    ).toBe('anthropic');
  });
});
