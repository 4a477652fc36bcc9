// The offline model is normally built by `npm ci` (postinstall); build it here too if it is missing, so
// `npm test` works on any checkout.
import { loadConfig } from '../src/config.js';
import { missingFiles } from '../src/embed/model.js';
import { STATIC_MODEL_ID } from '../src/embed/presets.js';
import { buildStaticModel } from '../src/embed/static/build.js';

export default function setup(): void {
  const config = loadConfig();
  if (missingFiles(config.modelsDir, STATIC_MODEL_ID).length) {
    buildStaticModel({ modelsDir: config.modelsDir, tokenizerDir: config.tokenizerDir });
  }
}
