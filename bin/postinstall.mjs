// Part of `npm ci`/`npm install`: rebuilds the vector index's addon for this CPU (bin/native-hnswlib.mjs)
// while it builds the offline embedding model when that is missing, so the first `verbatim ask` works without a
// manual step. Never fails the install: if the model cannot be built (no tokenizer, say), `verbatim`
// explains what is missing when it is used.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// The two builds are independent and each uses one core: side by side they take the time of the longer.
const native = spawn(process.execPath, [path.join(root, 'bin', 'native-hnswlib.mjs')], { cwd: root, stdio: 'inherit' });
const nativeDone = new Promise((resolve) => {
  native.on('exit', resolve);
  native.on('error', resolve);
});
if (process.env.VERBATIM_SKIP_MODEL_BUILD !== '1') {
  const cli = path.join(root, 'bin', 'verbatim.mjs');
  const r = spawnSync(process.execPath, [cli, 'model', 'build', '--if-missing'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) console.warn('verbatim: the offline model was not built now; `verbatim model build` will say why.');
}
await nativeDone;
