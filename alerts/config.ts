import { z } from 'zod';

// Placeholder: filled in by the component that owns this file.
export const alertsConfigSchema = z.object({}).strict();
export type AlertsConfig = z.output<typeof alertsConfigSchema>;
