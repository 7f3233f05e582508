import { describe, expect, it } from 'vitest';
import type { Span } from '../span.ts';
import { classifySpan, flattenMessages, normaliseFinishReason, normaliseProvider } from './index.ts';

describe('normaliseProvider', () => {
  it.each([
    ['openai', undefined, 'openai'],
    ['OpenAI', undefined, 'openai'],
    ['openai.chat', undefined, 'openai'],
    ['openai.responses', undefined, 'openai'],
    ['Azure', undefined, 'azure.ai.openai'],
    ['az.ai.openai', undefined, 'azure.ai.openai'],
    ['azure-openai.chat', undefined, 'azure.ai.openai'],
    ['azure', undefined, 'azure.ai.openai'],
    ['anthropic.messages', undefined, 'anthropic'],
    ['Anthropic', undefined, 'anthropic'],
    ['google.generative-ai', undefined, 'gcp.gemini'],
    ['gemini', undefined, 'gcp.gemini'],
    ['google.vertex.chat', undefined, 'gcp.vertex_ai'],
    ['vertex_ai', undefined, 'gcp.vertex_ai'],
    ['vertexai', undefined, 'gcp.vertex_ai'],
    ['amazon-bedrock', undefined, 'aws.bedrock'],
    ['AWS', undefined, 'aws.bedrock'],
    ['amazon', undefined, 'aws.bedrock'],
    ['xai', undefined, 'x_ai'],
    ['mistralai', undefined, 'mistral_ai'],
    ['mistral.chat', undefined, 'mistral_ai'],
    ['moonshot', undefined, 'moonshot_ai'],
    ['gcp.vertex_ai', undefined, 'gcp.vertex_ai'],
    ['ibm.watsonx.ai', undefined, 'ibm.watsonx.ai'],
    ['MyLocalLLM', undefined, 'mylocalllm'],
    ['ollama.chat', undefined, 'ollama'],
    ['', undefined, ''],
    ['openai', 'myres.openai.azure.com', 'azure.ai.openai'],
    ['openai', 'api.groq.com', 'groq'],
    ['openai', 'api.deepseek.com', 'deepseek'],
    ['openai', 'api.x.ai', 'x_ai'],
    ['openai', 'openrouter.ai', 'openrouter'],
    ['openai', 'api.together.xyz', 'together_ai'],
    ['openai', 'api.perplexity.ai', 'perplexity'],
    ['', 'api.openai.com', 'openai'],
    ['', 'api.anthropic.com', 'anthropic'],
    ['', 'generativelanguage.googleapis.com', 'gcp.gemini'],
    ['', 'us-central1-aiplatform.googleapis.com', 'gcp.vertex_ai'],
    ['anthropic', 'bedrock-runtime.us-east-1.amazonaws.com', 'aws.bedrock'],
    ['', 'api.mistral.ai', 'mistral_ai'],
    ['', 'api.cohere.com', 'cohere'],
    ['openai', '127.0.0.1', 'openai'],
  ])('%s @ %s → %s', (raw, host, expected) => {
    expect(normaliseProvider(raw, host)).toBe(expected);
  });
});

describe('normaliseFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['STOP', 'stop'],
    ['length', 'length'],
    ['max_tokens', 'length'],
    ['MAX_TOKENS', 'length'],
    ['tool_calls', 'tool_call'],
    ['tool-calls', 'tool_call'],
    ['tool_use', 'tool_call'],
    ['function_call', 'tool_call'],
    ['tool_call', 'tool_call'],
    ['content_filter', 'content_filter'],
    ['content-filter', 'content_filter'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['IMAGE_SAFETY', 'content_filter'],
    ['refusal', 'content_filter'],
    ['guardrail_intervened', 'content_filter'],
    ['content_filtered', 'content_filter'],
    ['error', 'error'],
    ['other', 'other'],
    ['unknown', 'other'],
    ['pause_turn', 'other'],
    ['', ''],
  ])('%s → %s', (raw, expected) => {
    expect(normaliseFinishReason(raw)).toBe(expected);
  });
});

describe('flattenMessages', () => {
  it('writes one role-prefixed block per message', () => {
    const text = flattenMessages([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
    ]);
    expect(text).toBe('system: Be brief.\n\nuser: Hi\n\nassistant: Hello!');
  });
});

describe('classifySpan on ordinary spans', () => {
  it('does not read message attributes of spans that are not calls', () => {
    // A getter that throws proves the message payload is never touched for a non-call span.
    const attributes: Record<string, unknown> = { 'http.route': '/x' };
    Object.defineProperty(attributes, 'gen_ai.input.messages', {
      enumerable: true,
      get() {
        throw new Error('parsed a message attribute');
      },
    });
    const span = { attributes, scope: { name: 'http', version: '' }, events: [] } as unknown as Span;
    expect(classifySpan(span)).toBeNull();
  });
});
