// The demo's OpenAI-compatible fake provider doubles as the tests' stand-in for LLM providers.
export { startFakeOpenAi, type FakeAnswer, type FakeOpenAi } from '../../cli/demo/fake-provider.ts';
