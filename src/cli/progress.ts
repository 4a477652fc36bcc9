// Indexing feedback: a progress bar (cli-progress) on a terminal, and otherwise one summary line, so logs
// and CI output stay readable.
import cliProgress from 'cli-progress';
import type { IndexProgress, IndexSummary } from '../index/update.js';

export function progressReporter(stream: NodeJS.WriteStream): { onProgress: (p: IndexProgress) => void; stop: () => void } {
  if (!stream.isTTY) return { onProgress: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: '{phase} [{bar}] {value}/{total}', stream, clearOnComplete: true, hideCursor: true },
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

export function summaryLine(s: IndexSummary): string {
  return (
    `Indexed ${s.files} files, ${s.passages} passages: ${s.embedded} embedded, ${s.reused} reused` +
    (s.removed ? `, ${s.removed} removed` : '') +
    ` in ${s.seconds.toFixed(1)} s` +
    (s.rebuilt && s.rebuilt !== 'no index yet' ? ` (full rebuild: ${s.rebuilt})` : '') +
    (s.skipped.length ? `; ${s.skipped.length} skipped` : '')
  );
}

export function detailLines(s: IndexSummary): string[] {
  return [
    ...s.skipped.map((k) => `  skipped ${k.file}: ${k.reason}`),
    ...s.warnings.map((w) => `  warning ${w.file}: ${w.message}`),
  ];
}
