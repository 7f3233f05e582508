/**
 * Builds every dashboard. `npx tsx dashboards/build/index.ts` writes them to
 * `dashboards/json/<name>.json`, the files Grafana provisions; `dashboards/build.test.ts`
 * fails when the committed JSON differs from what this source builds.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { agents } from './agents.ts';
import { alerts } from './alerts.ts';
import { evaluations } from './evaluations.ts';
import type { Dashboard } from './model.ts';
import { overview } from './overview.ts';
import { pipelineHealth } from './pipeline-health.ts';
import { providerRoute } from './provider-route.ts';
import { evaluatorVersions } from './versions.ts';

/** File name (without `.json`) → dashboard. */
export function buildDashboards(): Record<string, Dashboard> {
  return {
    overview: overview(),
    'provider-route': providerRoute(),
    evaluations: evaluations(),
    alerts: alerts(),
    'pipeline-health': pipelineHealth(),
    agents: agents(),
    'evaluator-versions': evaluatorVersions(),
  };
}

/** The text written for a dashboard, formatted like the rest of the repository (prettier). */
export async function serialise(d: Dashboard, file: string): Promise<string> {
  const options = (await resolveConfig(file)) ?? {};
  return format(JSON.stringify(d), { ...options, filepath: file });
}

/** Directory of the provisioned JSON files. */
export const JSON_DIR = fileURLToPath(new URL('../json/', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, d] of Object.entries(buildDashboards())) {
    const file = `${JSON_DIR}${name}.json`;
    writeFileSync(file, await serialise(d, file));
    process.stdout.write(`wrote dashboards/json/${name}.json (${d.panels.length} panels)\n`);
  }
}
