import { z } from 'zod';

// Placeholder section; the alerts issue fills it in.
export const alertsConfigSchema = z.object({}).strict();
