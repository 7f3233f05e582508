import { z } from 'zod';

// Placeholder: filled in by the component that owns this file.
export const judgesConfigSchema = z.object({}).strict();
export type JudgesConfig = z.output<typeof judgesConfigSchema>;
