// Terminal rendering of answers: each quote as it stands in the article, the best-matching sentence
// marked (bold on a terminal, **…** otherwise), then its numbered citation.
import { asShown, type Answer, type QuotedPassage } from '../answer/compose.js';
import type { Timeline } from '../engine.js';
import { formatDate } from '../text/dates.js';
import { squashSpaces } from '../text/normalize.js';

function marked(p: QuotedPassage, color: boolean): string {
  const open = color ? '\x1b[1;33m' : '**';
  const close = color ? '\x1b[0m' : '**';
  let out = '';
  let at = 0;
  for (const h of p.highlight) {
    out += p.text.slice(at, h.start) + open + p.text.slice(h.start, h.end) + close;
    at = h.end;
  }
  return squashSpaces(out + p.text.slice(at));
}

export function renderAnswer(answer: Answer, color = false): string {
  if (answer.tentative && answer.passages.length) return `${answer.message ?? ''}\n\n${quotes(answer, color)}`;
  if (!answer.answered) {
    const lines = [answer.message ?? "I couldn't find that in the articles."];
    if (answer.closest.length) lines.push(`Closest articles: ${answer.closest.map((c) => `“${c.title}” (${c.file})`).join('; ')}`);
    return lines.join('\n');
  }
  return quotes(answer, color);
}

function quotes(answer: Answer, color: boolean): string {
  const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
  return answer.passages
    .map((p) => `[${p.rank}] “${marked(asShown(p), color)}”\n    ${dim(p.citation)}${p.url ? `\n    ${dim(p.url)}` : ''}`)
    .join('\n\n');
}

/** A timeline: each article's date, then its quote and citation, oldest first. */
export function renderTimeline(t: Timeline, color = false): string {
  if (!t.entries.length) return t.message ?? 'No articles about that were found.';
  const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
  return t.entries
    .map((p) => `${formatDate(p.date) ?? 'Undated'}\n  “${marked(p, color)}”\n    ${dim(p.citation)}${p.url ? `\n    ${dim(p.url)}` : ''}`)
    .join('\n\n');
}
