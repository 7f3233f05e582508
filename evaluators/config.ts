import { z } from 'zod';

// Placeholder sections; the evaluators issue fills them in.
export const samplingConfigSchema = z.object({}).strict();
export const evaluatorsConfigSchema = z.object({}).strict();
export const judgesConfigSchema = z.object({}).strict();
