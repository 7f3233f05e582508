/**
 * Provider names as `gen_ai.provider.name` values (reference §1.6, §8.1). Producers disagree:
 * OpenLLMetry-JS says `OpenAI`/`Azure`/`AWS`, the Vercel AI SDK its provider id
 * (`openai.chat`, `anthropic.messages`, `google.generative-ai`), OpenInference `mistralai`,
 * and deprecated `gen_ai.system` values (`xai`, `az.ai.openai`, `vertex_ai`) still arrive.
 */
const ALIASES: Record<string, string> = {
  openai: 'openai',
  azure: 'azure.ai.openai',
  'azure-openai': 'azure.ai.openai',
  'az.ai.openai': 'azure.ai.openai',
  'az.ai.inference': 'azure.ai.inference',
  anthropic: 'anthropic',
  google: 'gcp.gemini',
  gemini: 'gcp.gemini',
  // Genkit plugin prefixes of model names (`googleai/gemini-2.5-flash`, `vertexai/…`).
  googleai: 'gcp.gemini',
  'google.generative-ai': 'gcp.gemini',
  'google.vertex': 'gcp.vertex_ai',
  'google-vertex': 'gcp.vertex_ai',
  vertex_ai: 'gcp.vertex_ai',
  vertexai: 'gcp.vertex_ai',
  'amazon-bedrock': 'aws.bedrock',
  bedrock: 'aws.bedrock',
  aws: 'aws.bedrock',
  amazon: 'aws.bedrock',
  xai: 'x_ai',
  mistral: 'mistral_ai',
  mistralai: 'mistral_ai',
  moonshot: 'moonshot_ai',
  together: 'together_ai',
  togetherai: 'together_ai',
};

/** Values that are already canonical and must not be cut at their dots. */
const CANONICAL = new Set([
  'openai',
  'anthropic',
  'aws.bedrock',
  'azure.ai.inference',
  'azure.ai.openai',
  'cohere',
  'deepseek',
  'gcp.gemini',
  'gcp.vertex_ai',
  'gcp.gen_ai',
  'groq',
  'ibm.watsonx.ai',
  'mistral_ai',
  'perplexity',
  'x_ai',
  'moonshot_ai',
]);

/**
 * Values that name the framework or instrumentation that made the span, not who answered:
 * Google ADK sets `gen_ai.system = gcp.vertex.agent` whatever the model backend. A provider key
 * holding one of these is skipped, so the next key (`llm.provider`, …) or the model id decides.
 */
export const FRAMEWORK_SYSTEMS: ReadonlySet<string> = new Set([
  'gcp.vertex.agent',
  // Strands Agents names itself in `gen_ai.system` / `gen_ai.provider.name` on every span.
  'strands-agents',
  'langchain',
  'llama_index',
]);

/**
 * LiteLLM-style model ids name the provider before a slash (`anthropic/claude-…`,
 * `vertex_ai/gemini-…`); read only when no provider key names one.
 */
export function providerFromModel(model: string): string | undefined {
  const slash = model.indexOf('/');
  if (slash <= 0) return undefined;
  const p = normaliseProvider(model.slice(0, slash));
  return CANONICAL.has(p) ? p : undefined;
}

/** Provider API hosts (`server.address`). Exact hosts first, then suffix/prefix rules. */
const HOSTS: Record<string, string> = {
  'api.openai.com': 'openai',
  'api.anthropic.com': 'anthropic',
  'generativelanguage.googleapis.com': 'gcp.gemini',
  'api.mistral.ai': 'mistral_ai',
  'api.groq.com': 'groq',
  'api.deepseek.com': 'deepseek',
  'api.x.ai': 'x_ai',
  'api.cohere.com': 'cohere',
  'api.cohere.ai': 'cohere',
  'api.perplexity.ai': 'perplexity',
  'api.together.xyz': 'together_ai',
  'openrouter.ai': 'openrouter',
  'api.moonshot.ai': 'moonshot_ai',
};

const HOST_RULES: ReadonlyArray<[RegExp, string]> = [
  [/\.openai\.azure\.com$/, 'azure.ai.openai'],
  [/\.services\.ai\.azure\.com$/, 'azure.ai.inference'],
  [/\.models\.ai\.azure\.com$/, 'azure.ai.inference'],
  [/aiplatform\.googleapis\.com$/, 'gcp.vertex_ai'],
  [/^bedrock-runtime\.[a-z0-9-]+\.amazonaws\.com$/, 'aws.bedrock'],
];

/** Vercel provider ids end in the API flavour (`openai.chat`, `anthropic.messages`). */
const API_SUFFIX = /\.(?:chat|completion|responses|messages|embedding|image|transcription|speech)$/;

/** The provider a known API host belongs to, else undefined. */
export function providerFromHost(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const h = host.toLowerCase();
  const exact = HOSTS[h];
  if (exact) return exact;
  for (const [re, provider] of HOST_RULES) if (re.test(h)) return provider;
  return undefined;
}

/**
 * Canonical provider name. A known provider host in `server.address` wins over the SDK's name,
 * because the SDK reports what it is (the OpenAI SDK says `openai` when pointed at Azure, Groq
 * or DeepSeek), while the host says who answered. Unknown values come back lower-cased.
 */
export function normaliseProvider(raw: string, serverAddress?: string): string {
  const byHost = providerFromHost(serverAddress);
  if (byHost) return byHost;
  const v = raw.trim().toLowerCase();
  if (v === '' || v === '_other') return '';
  if (CANONICAL.has(v)) return v;
  const alias = ALIASES[v];
  if (alias) return alias;
  const base = v.replace(API_SUFFIX, '');
  if (base.startsWith('google.vertex')) return 'gcp.vertex_ai';
  if (CANONICAL.has(base)) return base;
  return ALIASES[base] ?? base;
}
