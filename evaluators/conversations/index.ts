// Conversation-level judging: what the worker and the CLI use.
export { conversationsConfigSchema, type ConversationsConfig } from './config.ts';
export { createConversationJudge, type ConversationJudge, type TranscriptInput } from './judge.ts';
export { startConversationCloser, type CloseRun, type ConversationCloser } from './closer.ts';
