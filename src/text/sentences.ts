// Sentence boundaries with offsets. Intl.Segmenter (ICU) does the work; it breaks after abbreviations such
// as "U.S." or "Gen." that news copy is full of, so those breaks are undone here.

export interface Span {
  start: number;
  end: number;
}

const ABBREVIATIONS = new Set(
  (
    'mr mrs ms dr prof gen lt col capt cmdr sgt maj adm rep sen gov pres st jr sr no nos vol vs etc al fig ' +
    'jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co corp dept univ approx est ave mt ft'
  ).split(' '),
);

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

function endsWithAbbreviation(sentence: string): boolean {
  const m = /(?:^|[\s(“"])([\p{L}.]+)\.$/u.exec(sentence);
  if (!m) return false;
  const word = m[1].toLowerCase();
  // Initialisms (U.S., D.C., U.N.) and single initials (John F. Kennedy).
  if (/^(?:\p{L}\.)*\p{L}$/u.test(word)) return true;
  return ABBREVIATIONS.has(word);
}

/** Sentences of `text` as trimmed spans; joining them in order covers every non-space character. */
export function sentenceSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const seg of segmenter.segment(text)) {
    const lead = seg.segment.length - seg.segment.trimStart().length;
    const trimmed = seg.segment.trim();
    if (!trimmed) continue;
    const start = seg.index + lead;
    const span = { start, end: start + trimmed.length };
    const prev = spans[spans.length - 1];
    if (prev && endsWithAbbreviation(text.slice(prev.start, prev.end)) && /^[\p{Lu}\d]/u.test(trimmed)) {
      prev.end = span.end;
    } else {
      spans.push(span);
    }
  }
  return spans;
}

/** Spans as a store keeps them: "start-end" pairs separated by spaces. */
export function encodeSpans(spans: readonly Span[]): string {
  return spans.map((s) => `${s.start}-${s.end}`).join(' ');
}

/** The spans `encodeSpans` wrote; null when there are none stored (a passage written before they were). */
export function decodeSpans(stored: string | null | undefined): Span[] | null {
  if (stored === null || stored === undefined) return null;
  if (!stored) return [];
  return stored.split(' ').map((pair) => {
    const dash = pair.indexOf('-');
    return { start: Number(pair.slice(0, dash)), end: Number(pair.slice(dash + 1)) };
  });
}
