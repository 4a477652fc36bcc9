// Part of `npm ci`/`npm install`: rebuilds the vector index's addon for this CPU (bin/native-hnswlib.mjs),
// then builds the offline embedding model when it is missing, so the first `verbatim ask` works without a
// manual step. Never fails the install: if the model cannot be built (no tokenizer, say), `verbatim`
// explains what is missing when it is used.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { buildNativeHnswlib } from './native-hnswlib.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
buildNativeHnswlib(root);
if (process.env.VERBATIM_SKIP_MODEL_BUILD === '1') process.exit(0);
const cli = path.join(root, 'bin', 'verbatim.mjs');
const r = spawnSync(process.execPath, [cli, 'model', 'build', '--if-missing'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) console.warn('verbatim: the offline model was not built now; `verbatim model build` will say why.');
