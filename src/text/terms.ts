// The keyword side's idea of a word: folded (case, diacritics), initialisms joined (U.S. → us),
// stopwords dropped, Porter-stemmed (talks/talk, agreed/agree). Used for indexing, queries and highlights.
import { stemmer } from 'stemmer';
import { fold } from './normalize.js';
import { STOPWORDS } from './stopwords.js';

/** Words of text that has been through fold(). */
function foldedTokens(folded: string): string[] {
  return folded.replace(/\b(?:[a-z]\.)+[a-z]\b\.?/g, (m) => m.replace(/\./g, '')).match(/[\p{L}\p{N}]+/gu) ?? [];
}

const tokens = (text: string) => foldedTokens(fold(text));

function term(tok: string): string | null {
  if (STOPWORDS.has(tok)) return null;
  if (tok.length === 1 && !/\d/.test(tok)) return null;
  return /^\p{L}+$/u.test(tok) ? stemmer(tok) : tok;
}

export function analyze(text: string): string[] {
  const out: string[] = [];
  for (const tok of tokens(text)) {
    const t = term(tok);
    if (t !== null) out.push(t);
  }
  return out;
}

/**
 * How often each of `wanted` (analysed terms) occurs in `text`, as analyze() would count it, but stemming
 * only the words that could stem to one of them (a Porter stem is the word's prefix but for its last
 * letter), which makes it several times cheaper than analysing the whole text.
 */
export function countTerms(text: string, wanted: readonly string[]): Map<string, number> {
  return countFoldedTerms(fold(text), wanted);
}

/** countTerms() of text already folded: a passage is folded once, then counted sentence by sentence. */
export function countFoldedTerms(folded: string, wanted: readonly string[]): Map<string, number> {
  const prefixes = [...new Set(wanted.map((w) => w.slice(0, Math.max(1, w.length - 1))))];
  const want = new Set(wanted);
  const counts = new Map<string, number>();
  for (const tok of foldedTokens(folded)) {
    if (!prefixes.some((p) => tok.startsWith(p))) continue;
    const t = term(tok);
    if (t !== null && want.has(t)) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return counts;
}
