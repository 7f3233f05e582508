// The evaluation sections of the config file, each owned by its component folder.
export { evaluatorsConfigSchema, type EvaluatorsConfig } from './checks/config.ts';
export { workerConfigSchema, type WorkerConfig } from './worker/config.ts';
export { judgesConfigSchema, type JudgesConfig } from './judges/config.ts';
