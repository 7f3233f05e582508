/**
 * Rebuilds bench/quality/datasets/degenerate-loops/items.jsonl from checkouts of the source repositories,
 * driven by the committed manifest.json beside items.jsonl:
 *
 *   npx tsx bench/quality/build/degenerate-loops.ts owner/name=/path/to/checkout ...
 *
 * Every text is read from its file by the reference in the manifest (see provider-error-bodies.ts)
 * and checked against the manifest's SHA-256; labels come from the manifest (see SOURCE.md).
 */
import { buildFromManifest } from './provider-error-bodies.ts';

buildFromManifest('degenerate-loops', process.argv.slice(2));
