// One indexer at a time per EMBEDDINGS_DIR. proper-lockfile keeps the lock fresh while we hold it and
// treats it as stale once its holder stops refreshing it (after a crash or kill -9), so a dead indexer
// never blocks the next one for long.
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';

export class LockBusyError extends Error {}

export async function acquireIndexLock(
  embeddingsDir: string,
  opts: { waitMs?: number; onWait?: () => void } = {},
): Promise<() => Promise<void>> {
  fs.mkdirSync(embeddingsDir, { recursive: true });
  const target = path.join(embeddingsDir, 'CURRENT');
  const lockOpts = { realpath: false, stale: 5_000, update: 1_000, lockfilePath: path.join(embeddingsDir, '.index.lock') };
  try {
    return await lockfile.lock(target, lockOpts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
  }
  const waitMs = opts.waitMs ?? 10 * 60_000;
  if (waitMs <= 0) throw new LockBusyError('Another indexer is running on this index; try again when it finishes.');
  opts.onWait?.();
  const retries = Math.ceil(waitMs / 500);
  try {
    return await lockfile.lock(target, { ...lockOpts, retries: { retries, minTimeout: 500, maxTimeout: 500, factor: 1 } });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new LockBusyError(`Another indexer kept the index locked for ${Math.round(waitMs / 1000)} s; giving up.`);
    }
    throw err;
  }
}
