// The evaluation sections of the config file, each owned by its component folder.
export { samplingConfigSchema, type SamplingConfig } from '../intake/sampling/config.ts';
export { evaluatorsConfigSchema, type EvaluatorsConfig } from './checks/config.ts';
export { judgesConfigSchema, type JudgesConfig } from './judges/config.ts';
