import { z } from 'zod';

// Placeholder: filled in by the component that owns this file.
export const evaluatorsConfigSchema = z.object({}).strict();
export type EvaluatorsConfig = z.output<typeof evaluatorsConfigSchema>;
