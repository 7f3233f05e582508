import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AttrValue, LogRecord } from '../span.ts';
import {
  classifySpan,
  contentFromLogRecord,
  flattenMessages,
  mergeLogContent,
  normaliseSpan,
} from './index.ts';
import { spanOf } from '../../test/support/convention-fixtures.ts';

const Q = 'Where is my refund for order 1234?';
const A = 'Your refund for order 1234 was issued on Monday.';

function record(eventName: string, body: AttrValue, timeMs = 1000, attributes = {}): LogRecord {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    timeMs,
    eventName,
    body,
    attributes: { 'event.name': eventName, 'gen_ai.system': 'openai', ...attributes },
    resource: { attributes: {} },
    scope: { name: '@opentelemetry/instrumentation-openai', version: '0.21.0' },
  };
}

// What @opentelemetry/instrumentation-openai 0.21 emits with captureMessageContent: true.
const v136Records = [
  record('gen_ai.system.message', { content: 'You are a support agent.' }),
  record('gen_ai.user.message', { content: Q }),
  record('gen_ai.choice', { finish_reason: 'stop', index: 0, message: { content: A } }, 1200),
];

describe('contentFromLogRecord', () => {
  it('reads each per-message event into system, input or output', () => {
    expect(v136Records.map(contentFromLogRecord)).toEqual([
      { system: [{ role: 'system', content: 'You are a support agent.' }], timeMs: 1000 },
      { input: [{ role: 'user', content: Q }], timeMs: 1000 },
      { output: [{ role: 'assistant', content: A }], finishReason: 'stop', timeMs: 1200 },
    ]);
  });

  it('renders assistant and choice tool calls and reads tool results', () => {
    const call = {
      id: 'c1',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    };
    expect(contentFromLogRecord(record('gen_ai.assistant.message', { tool_calls: [call] }))?.input).toEqual([
      { role: 'assistant', content: 'tool_call get_weather({"city":"Paris"})' },
    ]);
    expect(
      contentFromLogRecord(record('gen_ai.tool.message', { id: 'c1', content: 'rainy' }))?.input,
    ).toEqual([{ role: 'tool', content: 'rainy' }]);
    const choice = record('gen_ai.choice', {
      finish_reason: 'tool_calls',
      index: 0,
      message: { tool_calls: [call] },
    });
    expect(contentFromLogRecord(choice)).toMatchObject({
      output: [{ role: 'assistant', content: 'tool_call get_weather({"city":"Paris"})' }],
      finishReason: 'tool_calls',
    });
  });

  it('keeps empty-body records (capture off) so the collector knows the answer arrived', () => {
    expect(contentFromLogRecord(record('gen_ai.user.message', {}))).toEqual({ input: [], timeMs: 1000 });
    expect(
      contentFromLogRecord(record('gen_ai.choice', { finish_reason: 'length', index: 0, message: {} })),
    ).toEqual({
      output: [],
      finishReason: 'length',
      timeMs: 1000,
    });
  });

  it('reads the v1.37 inference operation details event', () => {
    const details = record('gen_ai.client.inference.operation.details', null, 1000, {
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: Q }] }]),
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: A }] },
      ]),
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(contentFromLogRecord(details)).toMatchObject({
      input: [{ role: 'user', content: Q }],
      output: [{ role: 'assistant', content: A }],
      finishReason: 'stop',
    });
  });

  it('ignores records that are not GenAI events', () => {
    expect(contentFromLogRecord(record('', 'GET /health 200'))).toBeNull();
    expect(contentFromLogRecord(record('gen_ai.evaluation.result', { score: 1 }))).toBeNull();
  });
});

describe('mergeLogContent', () => {
  const fixture = JSON.parse(
    readFileSync(join(import.meta.dirname, 'testdata/otel-v1.36-openai-instrumentation.json'), 'utf8'),
  ) as { span: Parameters<typeof spanOf>[0] };

  it('gives a v1.36 span the prompt and answer of its log records, in record-time order', () => {
    const span = spanOf(fixture.span);
    const call = normaliseSpan(span, classifySpan(span)!, { routeKeys: [] });
    expect(call.contentInLogs).toBe(true);
    const reversed = [...v136Records].reverse().map(contentFromLogRecord);
    mergeLogContent(call, reversed);
    expect(flattenMessages([...call.system, ...call.input])).toBe(
      `system: You are a support agent.\n\nuser: ${Q}`,
    );
    expect(call.output).toEqual([{ role: 'assistant', content: A }]);
    expect(call.finish_reason).toBe('stop');
  });

  it('never replaces content the span already had', () => {
    const span = spanOf(fixture.span);
    const call = normaliseSpan(span, 'otel_genai', { routeKeys: [] });
    call.output = [{ role: 'assistant', content: 'from the span' }];
    call.finish_reason = '';
    mergeLogContent(call, [contentFromLogRecord(v136Records[2]!), null]);
    expect(call.output).toEqual([{ role: 'assistant', content: 'from the span' }]);
    expect(call.finish_reason).toBe('stop');
  });
});
