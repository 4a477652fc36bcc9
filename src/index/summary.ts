// How an index update is reported, in the terminal and on Discord alike.
import type { IndexSummary } from './update.js';

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
