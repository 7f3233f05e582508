#!/usr/bin/env node
// Loads the TypeScript CLI through tsx (a runtime dependency), so `npx assay …` needs no build.
import { register } from 'tsx/esm/api';

register();
await import('../cli/assay.ts');
