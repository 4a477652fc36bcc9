// The keyword side's idea of a word: folded (case, diacritics), initialisms joined (U.S. → us),
// stopwords dropped, irregular forms taken back to their base (drew → draw, led → lead, children → child:
// WordNet's exception lists, from npm wink-lexicon), Porter-stemmed (talks/talk, agreed/agree). Used for
// indexing, queries and highlights.
import { createRequire } from 'node:module';
import { stemmer } from 'stemmer';
import { fold } from './normalize.js';
import { STOPWORDS } from './stopwords.js';

const require = createRequire(import.meta.url);
/** Irregular form → base form (WordNet's verb.exc and noun.exc). */
const IRREGULAR: Readonly<Record<string, string>> = {
  ...(require('wink-lexicon/src/wn-noun-exceptions.js') as Record<string, string>),
  ...(require('wink-lexicon/src/wn-verb-exceptions.js') as Record<string, string>),
};
/** Base-form stem → the irregular forms that stem to it ("draw" → drew, drawn), made on first use. */
let irregularByStem: Map<string, string[]> | null = null;
function irregularFormsOf(stem: string): readonly string[] {
  if (!irregularByStem) {
    irregularByStem = new Map();
    for (const [form, base] of Object.entries(IRREGULAR)) {
      if (!/^\p{L}+$/u.test(form) || !/^\p{L}+$/u.test(base)) continue;
      const key = stemmer(base);
      if (stemmer(form) === key) continue;
      const list = irregularByStem.get(key) ?? [];
      list.push(form);
      irregularByStem.set(key, list);
    }
  }
  return irregularByStem.get(stem) ?? [];
}

const INITIALISM = /\b(?:[a-z]\.)+[a-z]\b\.?/g;

/** The words of `text`, folded, initialisms joined. */
function tokens(text: string): string[] {
  return fold(text).replace(INITIALISM, (m) => m.replace(/\./g, '')).match(/[\p{L}\p{N}]+/gu) ?? [];
}

function term(tok: string): string | null {
  if (STOPWORDS.has(tok)) return null;
  if (tok.length === 1 && !/\d/.test(tok)) return null;
  if (!/^\p{L}+$/u.test(tok)) return tok;
  const base = Object.hasOwn(IRREGULAR, tok) ? IRREGULAR[tok] : tok;
  return STOPWORDS.has(base) ? null : stemmer(base);
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
 * What a word that stems to one of `terms` starts with: a Porter stem is the word's prefix but for its last
 * letter; an irregular form ("drew" for draw) is its own prefix.
 */
function stemPrefixes(terms: readonly string[]): string[] {
  return [...new Set(terms.flatMap((t) => [t.slice(0, Math.max(1, t.length - 1)), ...irregularFormsOf(t)]))];
}

/**
 * How often each of `wanted` (analysed terms) occurs in `text`, as analyze() would count it, but stemming
 * only the words that could stem to one of them (stemPrefixes), which makes it several times cheaper than
 * analysing the whole text.
 */
export function countTerms(text: string, wanted: readonly string[]): Map<string, number> {
  const prefixes = stemPrefixes(wanted);
  const want = new Set(wanted);
  const counts = new Map<string, number>();
  for (const tok of tokens(text)) {
    if (!prefixes.some((p) => tok.startsWith(p))) continue;
    const t = term(tok);
    if (t !== null && want.has(t)) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return counts;
}

const WORD_CHAR = /^[\p{L}\p{N}]$/u;
/** Whether the character starting at `i` (a whole code point) is a letter or digit. */
function wordCharAt(text: string, i: number): boolean {
  if (i >= text.length) return false;
  const c = text.charCodeAt(i);
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  return WORD_CHAR.test(String.fromCodePoint(text.codePointAt(i)!));
}
/** Whether the character ending just before `i` is a letter or digit. */
function wordCharBefore(text: string, i: number): boolean {
  if (i <= 0) return false;
  const low = text.charCodeAt(i - 1);
  return wordCharAt(text, i >= 2 && low >= 0xdc00 && low <= 0xdfff ? i - 2 : i - 1);
}

/**
 * Which of `wanted` each sentence (`spans` of `text`) holds: per sentence, the terms countTerms() would
 * find in it. Instead of reading every word, it looks for the words that could stem to a wanted term
 * (stemPrefixes) with a substring search, and stems only those: a question's features read 30 passages, and splitting each of their sentences into words cost
 * more than a millisecond. Initialisms are joined in place ("u.s." → "us  "), so every offset holds.
 */
export function termsBySentence(text: string, spans: readonly { start: number; end: number }[], wanted: readonly string[]): Set<string>[] {
  const folded = fold(text);
  const slow = () => spans.map((s) => new Set(countTerms(text.slice(s.start, s.end), wanted).keys()));
  // Folding nearly always keeps every character in place (accents and curly quotes fold one for one).
  if (folded.length !== text.length) return slow();
  let glued = false;
  const joinedText = folded.replace(INITIALISM, (m, at: number) => {
    // "g.o.observe" reads as one word, "goobserve": joining it in place cannot keep the offsets.
    if (wordCharAt(folded, at + m.length)) glued = true;
    const joined = m.replace(/\./g, '');
    return joined + ' '.repeat(m.length - joined.length);
  });
  if (glued) return slow();
  const out = spans.map(() => new Set<string>());
  const want = new Set(wanted);
  for (const prefix of stemPrefixes(wanted)) {
    for (let i = joinedText.indexOf(prefix); i >= 0; i = joinedText.indexOf(prefix, i + 1)) {
      if (wordCharBefore(joinedText, i)) continue; // inside a word, not at its start
      let end = i + prefix.length;
      while (end < joinedText.length && wordCharAt(joinedText, end)) end += joinedText.codePointAt(end)! > 0xffff ? 2 : 1;
      const t = term(joinedText.slice(i, end));
      if (t === null || !want.has(t)) continue;
      // The sentence holding the whole word (spans are in order and do not overlap).
      let lo = 0;
      let hi = spans.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (spans[mid].end <= i) lo = mid + 1;
        else if (spans[mid].start > i) hi = mid - 1;
        else {
          if (end <= spans[mid].end) out[mid].add(t);
          break;
        }
      }
    }
  }
  return out;
}
