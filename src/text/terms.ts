// The keyword side's idea of a word: folded (case, diacritics), initialisms joined (U.S. → us),
// stopwords dropped, Porter-stemmed (talks/talk, agreed/agree). Used for indexing, queries and highlights.
import { stemmer } from 'stemmer';
import { fold } from './normalize.js';
import { STOPWORDS } from './stopwords.js';

export function analyze(text: string): string[] {
  const folded = fold(text).replace(/\b(?:[a-z]\.)+[a-z]\b\.?/g, (m) => m.replace(/\./g, ''));
  const out: string[] = [];
  for (const tok of folded.match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (STOPWORDS.has(tok)) continue;
    if (tok.length === 1 && !/\d/.test(tok)) continue;
    out.push(/^\p{L}+$/u.test(tok) ? stemmer(tok) : tok);
  }
  return out;
}
