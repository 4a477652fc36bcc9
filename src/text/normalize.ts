// Text folding shared by cleaning, keyword search and highlighting. None of it touches the quoted text:
// it only produces keys for comparing and matching.

const NON_ASCII = /[^\x00-\x7f]/;
/**
 * Beyond ASCII, the characters news copy is full of: curly quotes and dashes. None of them has a
 * decomposition or a mark to strip, so text made only of these and ASCII folds without NFKD (five times
 * as fast).
 */
const BEYOND_COMMON = /[^\x00-\x7f\u2018\u2019\u201c\u201d\u2013\u2014]/;

/** Lowercase, strip diacritics (Hà Nội → ha noi, đ → d) and unify quotes, so users can type plain ASCII. */
export function fold(text: string): string {
  // Most passages are plain ASCII: nothing to decompose, and the only quote to unify is the backtick
  // (twice as fast, and a question folds about a hundred texts).
  if (!NON_ASCII.test(text)) return text.replace(/`/g, "'").toLowerCase();
  if (!BEYOND_COMMON.test(text)) return text.replace(/[’‘`]/g, "'").toLowerCase();
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[đĐ]/g, 'd')
    .replace(/[’‘`´]/g, "'")
    .toLowerCase();
}

/** Letters and digits only: two renderings of the same paragraph (glued words, odd spacing) get one key. */
export function letterKey(text: string): string {
  return fold(text).replace(/[^\p{L}\p{N}]+/gu, '');
}

export function wordCount(text: string): number {
  return (text.match(/[\p{L}\p{N}]+(?:['’.-][\p{L}\p{N}]+)*/gu) ?? []).length;
}

/** The lower-cased words of a text, apostrophes and hyphens kept within them ("o'neill's", "us-led"). */
export function lowerWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}'’-]+/gu) ?? [];
}

/** Collapse runs of whitespace for display; the words and their order are untouched. */
export function squashSpaces(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
