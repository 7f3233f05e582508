/**
 * Finish reasons as the five values of `gen_ai.output.messages[].finish_reason` (reference
 * §8.1): OpenAI (`tool_calls`), Anthropic (`end_turn`, `max_tokens`, `tool_use`), Gemini
 * (`STOP`, `MAX_TOKENS`, `SAFETY`, `IMAGE_SAFETY`…), Bedrock Converse (`guardrail_intervened`,
 * `content_filtered`) and Vercel (`tool-calls`, `content-filter`) spellings.
 */
const REASONS: Record<string, string> = {
  stop: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  eos: 'stop',
  complete: 'stop',
  length: 'length',
  max_tokens: 'length',
  max_output_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_calls: 'tool_call',
  'tool-calls': 'tool_call',
  tool_use: 'tool_call',
  tool_call: 'tool_call',
  function_call: 'tool_call',
  content_filter: 'content_filter',
  'content-filter': 'content_filter',
  safety: 'content_filter',
  recitation: 'content_filter',
  blocklist: 'content_filter',
  prohibited_content: 'content_filter',
  spii: 'content_filter',
  image_safety: 'content_filter',
  image_prohibited_content: 'content_filter',
  image_recitation: 'content_filter',
  refusal: 'content_filter',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
  // Genkit's `FinishReason` for a response blocked by the model's safety settings.
  blocked: 'content_filter',
  error: 'error',
};

/** `stop`, `length`, `tool_call`, `content_filter`, `error`, `other`; '' when none was given. */
export function normaliseFinishReason(raw: string): string {
  const v = raw.trim().toLowerCase();
  if (v === '') return '';
  return REASONS[v] ?? 'other';
}
