// `index --watch`: chokidar reports changes in the corpus; a burst of them (an admin copying a folder of
// articles) is debounced into one re-index, and changes made during a re-index cause exactly one more.
import chokidar from 'chokidar';

export const WATCH_DEBOUNCE_MS = 750;

/**
 * Calls `onReady` once chokidar has scanned the folder: a file written before that moment would be taken
 * for one of the initial files and ignored, so "watching" is only said when it is true.
 */
export function watchCorpus(dir: string, run: () => Promise<unknown>, onError: (e: unknown) => void, onReady: () => void, debounceMs = WATCH_DEBOUNCE_MS): Promise<void> {
  const watcher = chokidar.watch(dir, { ignoreInitial: true, ignored: (p) => /(^|[/\\])\./.test(p.slice(dir.length)) });
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let dirty = false;
  const go = async () => {
    timer = null;
    if (running) {
      dirty = true;
      return;
    }
    running = true;
    try {
      await run();
    } catch (e) {
      onError(e);
    } finally {
      running = false;
      if (dirty) {
        dirty = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(go, debounceMs);
  };
  watcher.on('all', schedule);
  watcher.once('ready', onReady);
  return new Promise((resolve) => {
    const stop = () => {
      if (timer) clearTimeout(timer);
      void watcher.close().then(() => resolve());
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
