// Indexing feedback: a progress bar (cli-progress) on a terminal, and otherwise one summary line, so logs
// and CI output stay readable.
import cliProgress from 'cli-progress';
import type { IndexProgress } from '../index/update.js';

export function progressReporter(stream: NodeJS.WriteStream): { onProgress: (p: IndexProgress) => void; stop: () => void } {
  if (!stream.isTTY) return { onProgress: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    // The estimate matters for a whole re-embed (a new model at a million passages takes a while).
    { format: '{phase} [{bar}] {value}/{total} · {eta_formatted} left', stream, clearOnComplete: true, hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let phase = '';
  return {
    onProgress(p) {
      if (p.phase !== phase) {
        if (phase) bar.stop();
        phase = p.phase;
        bar.start(Math.max(p.total, 1), p.done, { phase: p.phase.padEnd(5) });
      } else {
        bar.update(p.done);
      }
    },
    stop: () => phase && bar.stop(),
  };
}

export { detailLines, summaryLine } from '../index/summary.js';
