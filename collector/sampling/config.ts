import { z } from 'zod';

// Placeholder: filled in by the component that owns this file.
export const samplingConfigSchema = z.object({}).strict();
export type SamplingConfig = z.output<typeof samplingConfigSchema>;
