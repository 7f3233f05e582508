/**
 * Rebuilds bench/quality/datasets/max-tokens-truncation/items.jsonl from checkouts of the source
 * repositories (recorded API cassettes and snapshot files), driven by the committed manifest.json:
 *
 *   npx tsx bench/quality/build/max-tokens-truncation.ts \
 *     traceloop/openllmetry=/path/to/openllmetry huggingface/text-generation-inference=/path/to/tgi ...
 *
 * Every answer, question and finish reason is read from its file by the reference in the manifest
 * (see provider-error-bodies.ts) and checked against the manifest's SHA-256.
 */
import { buildFromManifest } from './provider-error-bodies.ts';

buildFromManifest('max-tokens-truncation', process.argv.slice(2));
