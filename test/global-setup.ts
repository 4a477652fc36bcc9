// The offline model is normally built by `npm ci` (postinstall), and the pretrained one set up by it
// (`verbatim model setup`); do both here too if they are missing, so `npm test` works on any checkout. The
// retrieval tests need the pretrained model: without one they fail, saying how to get it.
import { loadConfig } from '../src/config.js';
import { missingFiles } from '../src/embed/model.js';
import { STATIC_MODEL_ID } from '../src/embed/presets.js';
import { localPretrained, setupPretrained } from '../src/embed/setup.js';
import { buildStaticModel } from '../src/embed/static/build.js';

export default async function setup(): Promise<void> {
  const config = loadConfig();
  if (missingFiles(config.modelsDir, STATIC_MODEL_ID).length) {
    buildStaticModel({ modelsDir: config.modelsDir, tokenizerDir: config.tokenizerDir });
  }
  if (!localPretrained(config.modelsDir).length) {
    await setupPretrained({ modelsDir: config.modelsDir, tokenizerDir: config.tokenizerDir, allowRemote: false, log: (l) => process.stderr.write(`${l}\n`) });
  }
}
