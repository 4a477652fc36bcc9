// Which store to use: PostgreSQL when STORE_URL names one (several processes and machines share it),
// otherwise the embedded database under EMBEDDINGS_DIR.
import type { Config } from '../config.js';
import type { Store } from './types.js';
import { openSqliteStore } from './sqlite/index.js';

export interface OpenStoreOptions {
  onStatus?: (message: string) => void;
  onProgress?: (p: { phase: 'vectors'; done: number; total: number }) => void;
}

export async function openStore(config: Pick<Config, 'embeddingsDir' | 'storeUrl'>, opts: OpenStoreOptions = {}): Promise<Store> {
  if (config.storeUrl) {
    const { openPostgresStore } = await import('./postgres/index.js');
    return openPostgresStore({ url: config.storeUrl, onStatus: opts.onStatus });
  }
  return openSqliteStore({ dir: config.embeddingsDir, ...opts });
}
