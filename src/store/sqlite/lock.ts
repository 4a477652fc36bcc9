// One writer at a time per embedded store. A commit is already atomic in SQLite; this lock spans a whole
// update (reading files, embedding, committing), so two indexers never embed the same articles twice.
// proper-lockfile keeps the lock fresh while it is held and treats it as stale once its holder stops
// refreshing it (after a crash or kill -9), so a dead indexer never blocks the next one for long.
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { LockBusyError, type WriterLockOptions } from '../types.js';

export async function acquireLock(dir: string, opts: WriterLockOptions = {}): Promise<() => Promise<void>> {
  fs.mkdirSync(dir, { recursive: true });
  const lockOpts = { realpath: false, stale: 5_000, update: 1_000, lockfilePath: path.join(dir, '.writer.lock') };
  const target = path.join(dir, 'verbatim.db');
  try {
    return await lockfile.lock(target, lockOpts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
  }
  const waitMs = opts.waitMs ?? 10 * 60_000;
  if (waitMs <= 0) throw new LockBusyError('Another indexer is writing to this index; try again when it finishes.');
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
